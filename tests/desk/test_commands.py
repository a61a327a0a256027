import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from tests.factories import UserFactory


def test_create_curator_makes_a_staff_account_with_a_one_time_password(db, capsys):
    call_command("create_curator", "anna")
    output = capsys.readouterr().out
    password = re.search(r"Password \(shown once\): (\S+)", output)[1]
    user = authenticate(RequestFactory().post("/"), username="anna", password=password)
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Curator"]
    call_command("create_curator", "anna")
    new_password = re.search(r"Password \(shown once\): (\S+)", capsys.readouterr().out)[1]
    assert new_password != password
    assert authenticate(RequestFactory().post("/"), username="anna", password=password) is None


def test_create_curator_will_not_touch_an_administrator(db):
    UserFactory(username="root", is_superuser=True)
    with pytest.raises(CommandError, match="administrator"):
        call_command("create_curator", "root")

from django.apps import AppConfig


class MuseumConfig(AppConfig):
    name = "museum"
    verbose_name = "Museum"

    def ready(self):
        from museum import renewal

        renewal.connect()  # every model of ours renews the cached pages when it changes

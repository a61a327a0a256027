from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = "Curators' desk"

    def ready(self):
        # Here rather than at the top: signals are connected once the app registry is ready.
        from desk import renewal

        renewal.connect()  # every model of ours renews the cached pages when it changes

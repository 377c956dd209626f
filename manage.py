#!/usr/bin/env python
import os
import sys

# Commands that read or write no record, so they run whatever the field keys: the
# schema (`migrate` stores the sentinel on a fresh database, and its system check
# refuses wrong keys once one exists), static files, translations, help.
COMMANDS_WITHOUT_RECORDS = {
    "check",
    "collectstatic",
    "compilemessages",
    "diffsettings",
    "findstatic",
    "help",
    "makemessages",
    "makemigrations",
    "migrate",
    "optimizemigration",
    "showmigrations",
    "sqlmigrate",
    "squashmigrations",
    "test",  # its own database, migrated with the configured keys
    "version",
    "--help",
    "-h",
    "--version",
}


# Developer tools that never serve a page nor run in production: they get the local
# development defaults (HARBOR_DEBUG on, so no SECRET_KEY is needed) unless told otherwise.
DEVELOPMENT_TOOLS = {"makemigrations", "makemessages", "compilemessages"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in DEVELOPMENT_TOOLS:
        os.environ.setdefault("HARBOR_DEBUG", "true")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command not in COMMANDS_WITHOUT_RECORDS:
        django.setup()
        from victims.checks import require_field_keys

        try:
            require_field_keys()
        except ImproperlyConfigured as error:
            sys.exit(f"Error: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

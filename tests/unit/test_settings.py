"""Settings come from the environment an app is built with: importing them reads and writes nothing."""

import importlib
from pathlib import Path

import pytest

import portal.config
from portal import create_app
from portal.config import settings_from
from portal.help import DEFAULT_QUICK_EXIT_URL

POSTGRES = "postgresql+psycopg://portal@db.internal/portal"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def instance(tmp_path) -> Path:
    """An empty instance folder."""
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


def test_importing_the_settings_writes_nothing(instance, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(instance))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    importlib.reload(portal.config)
    assert list(instance.iterdir()) == []


def test_a_development_app_without_a_secret_key_keeps_one_in_the_instance_folder(instance):
    environ = {"PORTAL_ENV": "development", "PORTAL_INSTANCE_DIR": str(instance)}
    app = create_app(environ=environ)
    assert [path.name for path in instance.iterdir()] == ["dev-secret-key"]
    assert app.config["SECRET_KEY"] == (instance / "dev-secret-key").read_text()
    assert create_app(environ=environ).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_a_secret_key_from_the_environment_writes_no_file(instance):
    app = create_app(environ={"PORTAL_ENV": "development", "PORTAL_INSTANCE_DIR": str(instance), "SECRET_KEY": "k"})
    assert app.config["SECRET_KEY"] == "k"
    assert list(instance.iterdir()) == []


def test_production_without_a_secret_key_refuses_to_start_and_writes_nothing(instance):
    environ = {"PORTAL_INSTANCE_DIR": str(instance), "DATABASE_URL": POSTGRES, "RATELIMIT_STORAGE_URI": REDIS}
    with pytest.raises(RuntimeError, match="Set SECRET_KEY"):
        create_app(environ=environ)
    assert list(instance.iterdir()) == []


def test_production_is_the_default_and_its_defaults_are_strict():
    settings = settings_from({})
    assert settings["PORTAL_ENV"] == "production"
    assert settings["SECRET_KEY"] is None
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["HSTS_SECONDS"] == 365 * 24 * 3600
    assert settings["MAIL_BACKEND"] == "smtp"
    assert settings["WEBHOOK_ALLOW_PRIVATE"] is False


@pytest.mark.parametrize("environment", ["development", "testing"])
def test_development_defaults_suit_a_laptop(environment):
    settings = settings_from({"PORTAL_ENV": environment})
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["HSTS_SECONDS"] == 0
    assert settings["MAIL_BACKEND"] == "file"
    assert settings["WEBHOOK_ALLOW_PRIVATE"] is True


def test_the_environment_overrides_each_default():
    settings = settings_from(
        {
            "PORTAL_ENV": "development",
            "SESSION_COOKIE_SECURE": "on",
            "HSTS_SECONDS": "60",
            "MAIL_BACKEND": "smtp",
            "QUICK_EXIT_URL": "https://www.example.org/recipes",
            "DISPUTE_ATTACHMENT_MAX_BYTES": "1000",
            "WEBHOOK_ALLOW_PRIVATE": "off",
        }
    )
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["HSTS_SECONDS"] == 60
    assert settings["MAIL_BACKEND"] == "smtp"
    assert settings["QUICK_EXIT_URL"] == "https://www.example.org/recipes"
    assert settings["MAX_CONTENT_LENGTH"] == 1000 + 512 * 1024
    assert settings["WEBHOOK_ALLOW_PRIVATE"] is False


def test_only_the_given_environment_is_read(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-process")
    monkeypatch.setenv("QUICK_EXIT_URL", "https://www.example.org/recipes")
    settings = settings_from({})
    assert settings["SECRET_KEY"] is None
    assert settings["QUICK_EXIT_URL"] == DEFAULT_QUICK_EXIT_URL


def test_the_instance_folder_holds_the_development_files_by_default(instance):
    settings = settings_from({"PORTAL_INSTANCE_DIR": str(instance)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'portal.db'}"
    assert settings["MAIL_DIR"] == str(instance / "mail")
    assert settings["UPLOAD_FOLDER"] == str(instance / "uploads")
    app = create_app(environ={"PORTAL_ENV": "development", "PORTAL_INSTANCE_DIR": str(instance), "SECRET_KEY": "k"})
    assert app.instance_path == str(instance)


def test_test_settings_apply_over_the_environment():
    environ = {"PORTAL_ENV": "development", "SECRET_KEY": "k", "QUICK_EXIT_URL": "https://www.example.org/recipes"}
    app = create_app({"HSTS_SECONDS": 5}, environ=environ)
    assert app.config["HSTS_SECONDS"] == 5
    assert app.config["QUICK_EXIT_URL"] == "https://www.example.org/recipes"

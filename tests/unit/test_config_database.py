"""``[node] database`` in samenspraak.toml: SQLite in the node directory by default, or a
PostgreSQL URL; set by migrate-to-postgres without touching the rest of the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import (
    CONFIG_FILE,
    DATABASE_FILE,
    ConfigError,
    NodeConfig,
    load_config,
    set_database,
    write_config,
)
from node.storage.database import Database, is_postgres_url, without_password

URL = "postgresql://samenspraak:geheim@127.0.0.1:5432/oosterpark"


def node_directory(tmp_path: Path) -> Path:
    write_config(tmp_path, NodeConfig(domain="oosterpark.example", name="O", handle="o"))
    return tmp_path


def test_without_a_database_the_node_keeps_sqlite_in_its_directory(tmp_path: Path) -> None:
    config = load_config(node_directory(tmp_path))
    assert config.database == ""
    assert config.database_location(tmp_path) == tmp_path / DATABASE_FILE


def test_set_database_changes_that_line_only(tmp_path: Path) -> None:
    directory = node_directory(tmp_path)
    path = directory / CONFIG_FILE
    path.write_text(path.read_text() + "\n[moderation]\nmax_links = 2\n")
    set_database(directory, URL)
    text = path.read_text()
    assert f'database = "{URL}"' in text and "max_links = 2" in text
    assert load_config(directory).database_location(directory) == URL
    set_database(directory, URL.replace("oosterpark", "wijert"))
    assert text.count("database =") == path.read_text().count("database =") == 1


def test_a_database_that_is_no_postgresql_url_is_refused_naming_the_file(tmp_path: Path) -> None:
    directory = node_directory(tmp_path)
    path = directory / CONFIG_FILE
    path.write_text(path.read_text().replace('database = ""', 'database = "mysql://x/y"'))
    with pytest.raises(ConfigError, match="postgresql://") as refused:
        load_config(directory)
    assert str(path) in str(refused.value)


def test_a_url_is_shown_without_its_password() -> None:
    assert is_postgres_url(URL) and not is_postgres_url(Path(URL))
    assert without_password(URL) == "postgresql://samenspraak@127.0.0.1:5432/oosterpark"
    assert without_password("postgresql://u@h/d") == "postgresql://u@h/d"


async def test_a_postgresql_server_out_of_reach_is_one_configuration_error() -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    with pytest.raises(ConfigError, match="cannot open the database") as refused:
        await Database.open("postgresql://samenspraak:geheim@127.0.0.1:9/oosterpark")
    assert "geheim" not in str(refused.value)

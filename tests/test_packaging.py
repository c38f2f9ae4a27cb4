"""The panel as a package: its lock files pin what pyproject.toml asks for, and its wheel carries
the templates and static files, so that an installed copy serves the panel, htmx included, from
any directory."""

import re
import shutil
import subprocess
import sys
import tomllib
import venv
from importlib.metadata import distribution
from pathlib import Path

import pytest
import requests
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support.commands import Command, free_port
from tests.support.servers import REPO_ROOT

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)", re.MULTILINE)


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", []), ("requirements-test.lock", ["test"])]
)
def test_the_lock_files_pin_every_dependency_within_its_range(lock, extras):
    pins = {
        canonicalize_name(name): Version(version)
        for name, version in PIN.findall((REPO_ROOT / lock).read_text())
    }
    wanted = PROJECT["project"]["dependencies"] + [
        requirement
        for extra in extras
        for requirement in PROJECT["project"]["optional-dependencies"][extra]
    ]
    for requirement in map(Requirement, wanted):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} pins no {name}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {name} {pins[name]}, outside {requirement.specifier}: run `make lock`"
        )


def test_every_package_of_webapp_is_in_the_wheel():
    listed = PROJECT["tool"]["setuptools"]
    packages = {
        ".".join(path.parent.relative_to(REPO_ROOT).parts)
        for path in (REPO_ROOT / "webapp").rglob("__init__.py")
    }
    assert set(listed["packages"]) == packages | {"webapp.templates", "webapp.static"}


def runtime_only(folder: Path) -> Path:
    """A folder of links to what requirements.lock installs, and nothing else, taken from the
    tests' own environment: an installed panel that needs more than its lock fails to serve
    (as gunicorn's gevent worker did without ``packaging``, which only the tests brought)."""
    folder.mkdir()
    for name, _version in PIN.findall((REPO_ROOT / "requirements.lock").read_text()):
        found = distribution(name)
        tops = {Path(str(file)).parts[0] for file in found.files or []}
        for top in tops - {"..", "__pycache__"}:
            link = folder / top
            if not link.exists():
                link.symlink_to(found.locate_file(top))
    return folder


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A new virtual environment with the wheel installed, its dependencies (requirements.lock's
    only) borrowed from the tests' own environment (nothing is downloaded)."""
    where = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools leaves a build/ folder in the tree it builds, whose stale
    # files a later wheel would carry.
    source = shutil.copytree(
        REPO_ROOT,
        where / "source",
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "instance", "__pycache__", ".*_cache"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(where / "dist"),
            str(source),
        ],
        check=True,
        cwd=where,
    )
    environment = where / "env"
    venv.create(environment, with_pip=False)
    site = (
        environment
        / "lib"
        / f"python{sys.version_info.major}.{sys.version_info.minor}"
        / "site-packages"
    )
    (site / "dependencies.pth").write_text(str(runtime_only(where / "runtime")) + "\n")
    wheel = next((where / "dist").glob("*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    return environment


def test_the_installed_wheel_serves_the_panel_with_htmx_from_another_directory(
    installed, simulator, tmp_path
):
    python = str(installed / "bin" / "python")
    found = subprocess.run(
        [python, "-c", "import webapp.config as c; print(c.RESOURCE_FOLDER)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(found.strip()).is_relative_to(installed)  # not the checkout's files
    port = free_port()
    serve = Command(
        "serve",
        python=python,
        cwd=str(tmp_path),
        PORT=str(port),
        HOST="127.0.0.1",
        PIECES_OS_URL=simulator.url,
        DATABASE=str(tmp_path / "panel.sqlite"),
        SECRET_KEY="wheel-test-secret-key",
    )
    try:
        serve.wait_for("Listening at")
        login = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
        assert login.status_code == 200 and "/static/vendor/htmx.min.js" in login.text
        htmx = requests.get(f"http://127.0.0.1:{port}/static/vendor/htmx.min.js", timeout=10)
        assert htmx.status_code == 200 and "htmx" in htmx.text
        assert requests.get(f"http://127.0.0.1:{port}/static/app.css", timeout=10).ok
    finally:
        serve.kill()

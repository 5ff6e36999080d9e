"""The package as users meet it: public names, the README's commands, the example."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import smimelib

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "module",
    [
        "smimelib",
        "smimelib.asn1",
        "smimelib.crypto",
        "smimelib.pki",
        "smimelib.cms",
        "smimelib.errors",
    ],
)
def test_every_public_name_exists(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__, f"{module} has no __all__"
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert not missing


def test_only_smime_errors_are_public_exceptions() -> None:
    exported = [getattr(smimelib, name) for name in smimelib.__all__]
    exceptions = [obj for obj in exported if isinstance(obj, type) and issubclass(obj, Exception)]
    assert exceptions
    assert all(issubclass(exc, smimelib.SmimeError) for exc in exceptions)


def test_package_is_typed() -> None:
    assert (ROOT / "smimelib" / "py.typed").exists()


def _readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {marker} -->\s*```\n(.*?)\n```\s*<!-- /{marker} -->", text, re.S)
    assert match, f"README lacks the {marker} block"
    return match.group(1)


def test_readme_has_the_two_setup_commands() -> None:
    demo = _readme_block("demo-command")
    test = _readme_block("test-command")
    assert "pip install ." in demo and demo.endswith("smime demo")
    assert "pip install -e '.[test]'" in test and "pytest" in test


def test_readme_example_runs() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "identity.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT / "examples",
    )
    assert proc.returncode == 0, proc.stderr
    assert "subject:     CN=Alice Lovelace,OU=LAMPS WG,O=IETF" in proc.stdout
    assert "alice@smime.example" in proc.stdout
    assert "the private key matches the certificate" in proc.stdout


def test_readme_example_refuses_a_mismatched_key() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "identity.py"),
            str(ROOT / "vectors/rfc9216/bob.sign.crt"),
            str(ROOT / "vectors/rfc9216/alice.sign.key"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_readme_python_examples_run() -> None:
    """Every ```python block of the README runs, with Alice's RFC 9216 files as input."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)\n```", text, re.S)
    assert blocks
    for block in blocks:
        code = block.replace('"alice.crt"', repr(str(ROOT / "vectors/rfc9216/alice.sign.crt")))
        code = code.replace('"alice.key"', repr(str(ROOT / "vectors/rfc9216/alice.sign.key")))
        code = code.replace('"bob.crt"', repr(str(ROOT / "vectors/rfc9216/bob.encrypt.crt")))
        code = code.replace('"bob.key"', repr(str(ROOT / "vectors/rfc9216/bob.decrypt.key")))
        code = code.replace('"ca.crt"', repr(str(ROOT / "vectors/rfc9216/ca.rsa.crt")))
        namespace: dict[str, object] = {}
        exec(compile(code, "README.md", "exec"), namespace)
        if "result" in namespace:
            assert namespace["result"].ok  # type: ignore[attr-defined]
        if "report" in namespace:
            assert namespace["report"].ok  # type: ignore[attr-defined]
            assert namespace["report"].message["Subject"] == "Lunch"  # type: ignore[attr-defined]
        if "checked" in namespace:
            assert namespace["checked"].trusted  # type: ignore[attr-defined]
            assert len(namespace["checked"].chain) == 2  # type: ignore[attr-defined]
        if "opened" in namespace:
            assert namespace["opened"].content == b"secret"  # type: ignore[attr-defined]
            assert namespace["opened"].integrity_protected  # type: ignore[attr-defined]

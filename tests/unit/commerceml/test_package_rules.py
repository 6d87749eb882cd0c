"""Rules of the CommerceML package itself: no Django, no look-alike letters in names."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cml_exchange.commerceml import order_requisites, tags
from cml_exchange.commerceml.entities import Tax, Unit
from cml_exchange.commerceml.reading import reader
from cml_exchange.commerceml.reading._xml import fields_of, text
from cml_exchange.commerceml.writing import orders, writer

_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")


@pytest.mark.parametrize(
    "module", [tags, order_requisites, orders, writer], ids=lambda m: m.__name__
)
def test_no_latin_look_alikes_in_cyrillic_names(module):
    """A Latin "С" in "Cтатусы" looks right and fails on the wire; every name is one script."""
    mixed = {
        name: value
        for name, value in vars(module).items()
        if name.isupper()
        and isinstance(value, str)
        and _CYRILLIC.search(value)
        and _LATIN.search(value)
    }
    assert mixed == {}


def test_the_commerceml_layer_imports_without_django():
    """Every module of the package, reading/ and writing/ included, public or not."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import cml_exchange.commerceml as package\n"
        "for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "    importlib.import_module(module.name)\n"
        "assert 'cml_exchange.commerceml.writing.reference' in sys.modules\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_reading_does_not_depend_on_writing():
    """Data flows one way: no module that reads 1C's files imports what writes the site's."""
    reading = Path(reader.__file__).parent
    found = {}
    for path in sorted(reading.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.startswith("cml_exchange.commerceml.writing") for name in names):
                found.setdefault(path.name, []).extend(names)
    assert found == {}


def test_a_builder_table_that_names_no_field_fails_on_import():
    """The builders fill entities from tag → field tables; a misspelt field cannot hide."""
    with pytest.raises(TypeError, match="Unit has no field 'cod'"):
        fields_of(Unit, {tags.CODE: ("cod", text)})
    with pytest.raises(TypeError, match="Tax has no field 'amout'"):
        fields_of(Tax, {tags.AMOUNT: "amout"})

"""No file the tool reads may execute code: no pickle, no unsafe torch.load / np.load anywhere in the package."""

import ast
from pathlib import Path

import lsr_lucene

PACKAGE = Path(lsr_lucene.__file__).parent
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "joblib", "shelve", "marshal", "cloudpickle"}


def calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node, getattr(node.func.value, "id", None), node.func.attr


def keyword(node, name):
    return next((k.value for k in node.keywords if k.arg == name), None)


def problems_in(source: str, name: str) -> list[str]:
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{name}: imports {a.name}" for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
            found.append(f"{name}: imports from {node.module}")
    for node, owner, attr in calls(tree):
        if owner == "torch" and attr == "load":
            value = keyword(node, "weights_only")
            if not (isinstance(value, ast.Constant) and value.value is True):
                found.append(f"{name}:{node.lineno}: torch.load without weights_only=True")
        if owner in ("np", "numpy") and attr == "load":
            value = keyword(node, "allow_pickle")
            if isinstance(value, ast.Constant) and value.value is True:
                found.append(f"{name}:{node.lineno}: np.load with allow_pickle=True")
        if owner in ("pd", "pandas") and attr == "read_pickle":
            found.append(f"{name}:{node.lineno}: pandas.read_pickle")
    return found


def test_package_loads_nothing_that_executes_code():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems += problems_in(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert problems == []


def test_the_check_catches_each_unsafe_form():
    source = ("import pickle\nfrom dill import load\nimport torch\nimport numpy as np\n"
              "torch.load('w.pt')\ntorch.load('w.pt', weights_only=False)\nnp.load('a.npy', allow_pickle=True)\n")
    assert len(problems_in(source, "x.py")) == 5
    assert problems_in("import torch\ntorch.load('w', weights_only=True)\n", "ok.py") == []

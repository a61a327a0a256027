"""
The house's import rules (README, "Layout"): no import cycles among our modules, and a function-
local import of one of our modules only with its reason written beside it.

Read from the source (ast), so the test sees what every module imports when it is loaded, which
an import-time trace of one process would only show for the modules that process happened to load.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(
    path.parent.name
    for path in ROOT.glob("*/__init__.py")
    if path.parent.name not in {"tests", "scripts", "deploy"}
)


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def paths():
    """{module name: path} for every module of ours, migrations aside."""
    return {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def sources():
    """{module name: parsed tree}."""
    return {name: ast.parse(path.read_text(), str(path)) for name, path in paths().items()}


def imported(node, modules):
    """The modules of ours an import statement loads (`from a import b` loads a.b if a module)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level == 0 and node.module:
        names = [
            f"{node.module}.{alias.name}"
            if f"{node.module}.{alias.name}" in modules
            else node.module
            for alias in node.names
        ]
    else:
        names = []
    return {name for name in names if name in modules}


def top_level_imports(tree, modules):
    """What the module imports when it is loaded: its body's imports, `if` and `try` blocks
    included, not those inside functions or classes."""
    found = set()
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found |= imported(node, modules)
        elif isinstance(node, ast.If | ast.Try):
            pending += node.body + node.orelse + getattr(node, "finalbody", [])
            pending += [n for handler in getattr(node, "handlers", []) for n in handler.body]
    return found


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_our_modules_import_one_another_without_a_cycle():
    trees = sources()
    graph = {name: top_level_imports(tree, trees) - {name} for name, tree in trees.items()}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_a_function_local_import_of_ours_says_why_beside_it():
    trees = sources()
    unexplained = []
    for name, path in paths().items():
        lines = path.read_text().splitlines()
        functions = [
            node
            for node in ast.walk(trees[name])
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for function in functions:
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and imported(node, trees):
                    beside = lines[node.lineno - 2 : node.end_lineno]
                    if not any("#" in line for line in beside):
                        unexplained.append(f"{name}:{node.lineno}")
    assert sorted(set(unexplained)) == []


# What each room may import of ours (README, "Layout"); a room not named here may import any.
MAY_IMPORT = {
    # Django and its libraries, and the file formats of downloads (exports.formats, .delivery):
    # what is specific to gifts is passed in by the domain's admin, never imported.
    "desk": {"desk", "exports"},
    # The listing engine reads the domain's models (and the stored search text's normaliser,
    # gifts.search) and the collection version (desk.models); it never imports a view.
    "catalogue": {"catalogue", "gifts", "donors", "exhibitions", "desk"},
}


def test_each_room_imports_only_what_the_layout_allows():
    trees = sources()
    found = set()
    for name, tree in trees.items():
        room = name.split(".")[0]
        if room not in MAY_IMPORT:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in imported(node, trees):
                    if target.split(".")[0] not in MAY_IMPORT[room]:
                        found.add(f"{name} imports {target}")
    assert sorted(found) == []

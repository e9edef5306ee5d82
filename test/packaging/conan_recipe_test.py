#!/usr/bin/env python3
# Checks conanfile.py without Conan (not installable on the machines that run the suite): the recipe
# is imported over conan_stub/, a small stand-in for the part of Conan 2's `conan` module it uses, and
# this test plays Conan's steps: configure, requirements, validate, package_id, package_info.
#   - package_id: every option set that changes the package has an id of its own; the settings change
#     the id only when the package holds the tool; an option made void by another (http without
#     openssl) does not make a second id.
#   - validate: GCC 11 and Clang 13 are refused with a message naming the compiler and the version,
#     GCC 12 and Clang 14 accepted, compiler.cppstd 17 refused.
#   - package_info: one component per CMake target the options give, with the requires of each, and
#     every required package used by a component (as Conan itself checks).
#   - generate: each option sets the CMake switch of its component, which CMakeLists.txt declares.
# Run: python3 conan_recipe_test.py SOURCE_DIR
import hashlib
import importlib.util
import itertools
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "conan_stub"))
from conan import ConanFile  # noqa: E402  (the stub)
from conan.errors import ConanInvalidConfiguration  # noqa: E402
from conan.stub import Options, Settings, run_generate  # noqa: E402

source_dir = sys.argv[1]
spec = importlib.util.spec_from_file_location("hookbox_conanfile", os.path.join(source_dir, "conanfile.py"))
recipe_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(recipe_module)
Recipe = recipe_module.HookboxConan

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def make(options=None, compiler="gcc", version="12", cppstd="20", build_type="Release", os_name="Linux"):
    values = {k: v for k, v in Recipe.default_options.items() if "/" not in k}
    values.update(options or {})
    conanfile = Recipe()
    conanfile.options = Options(Recipe.options, values)
    conanfile.settings = Settings(os=os_name, arch="x86_64", compiler=compiler, build_type=build_type,
                                  **{"compiler.version": version, "compiler.cppstd": cppstd})
    conanfile.configure()
    conanfile.requirements()
    return conanfile


def package_id(conanfile):
    """What Conan hashes: the settings, options and requires left in self.info after package_id()."""
    conanfile.info.reset(conanfile)
    if type(conanfile).package_id is ConanFile.package_id and conanfile.package_type == "header-library":
        conanfile.info.clear()  # Conan 2 does this itself for a header library without package_id()
    conanfile.package_id()
    return hashlib.sha1(conanfile.info.serialize().encode()).hexdigest()


option_names = [k for k in Recipe.options]
if set(option_names) != {"with_sqlite", "with_postgres", "with_openssl", "with_http", "with_tools"}:
    print(f"conanfile.py: the options are {option_names}, expected with_sqlite, with_postgres, with_openssl, "
          "with_http and with_tools")
    sys.exit(1)

# package_id: the distinct packages among all option sets.
ids = {}
for combo in itertools.product([True, False], repeat=len(option_names)):
    values = dict(zip(option_names, combo))
    conanfile = make(values)
    effective = tuple(sorted((k, conanfile.options.get_safe(k)) for k in option_names))
    ids.setdefault(effective, set()).add(package_id(conanfile))
for effective, found in ids.items():
    check(len(found) == 1, f"package_id: the option set {effective} has {len(found)} ids")
all_ids = [next(iter(found)) for found in ids.values()]
check(len(set(all_ids)) == len(ids),
      f"package_id: {len(ids)} different option sets give only {len(set(all_ids))} package ids")
# with_openssl=False makes with_http void: 2 (sqlite) x 2 (postgres) x (2 http + 1) x tools.
check(len(ids) > 8, f"package_id: only {len(ids)} distinct option sets")

headers_only = {"with_tools": False}
check(package_id(make(headers_only, build_type="Release")) == package_id(make(headers_only, build_type="Debug")),
      "package_id: without the tool, the build type changes the id of a package of headers")
check(package_id(make(headers_only, version="12")) == package_id(make(headers_only, compiler="clang", version="16")),
      "package_id: without the tool, the compiler changes the id of a package of headers")
with_tools = {"with_tools": True}
check(package_id(make(with_tools, build_type="Release")) != package_id(make(with_tools, build_type="Debug")),
      "package_id: with the tool, the build type does not change the id")
check(package_id(make(with_tools, version="12")) != package_id(make(with_tools, compiler="clang", version="16")),
      "package_id: with the tool, the compiler does not change the id")


# validate: the compilers.
def validate_error(**settings):
    try:
        make(**settings).validate()
    except ConanInvalidConfiguration as e:
        return str(e)
    return None


for compiler, version in (("gcc", "12"), ("gcc", "13"), ("clang", "14"), ("clang", "17")):
    error = validate_error(compiler=compiler, version=version)
    check(error is None, f"validate: {compiler} {version} refused: {error}")
for compiler, version in (("gcc", "11"), ("clang", "13")):
    error = validate_error(compiler=compiler, version=version)
    check(error is not None and compiler in error and version in error,
          f"validate: {compiler} {version} gives {error!r}, expected a refusal naming the compiler and version")
error = validate_error(cppstd="17")
check(error is not None and "20" in error, f"validate: compiler.cppstd=17 gives {error!r}")

# package_info: the components.
expected = {
    "hookbox": {"boost::headers", "boost::json", "boost::url"},
    "sqlite": {"hookbox", "sqlite3::sqlite3"},
    "postgres": {"hookbox", "libpq::libpq"},
    "signing": {"hookbox", "openssl::crypto"},
    "http": {"signing", "openssl::ssl"},
}
for values, names in (
        ({"with_sqlite": True, "with_postgres": True, "with_openssl": True, "with_http": True},
         ["hookbox", "sqlite", "postgres", "signing", "http"]),
        ({"with_sqlite": False, "with_postgres": False, "with_openssl": False}, ["hookbox"]),
        ({"with_sqlite": True, "with_openssl": True, "with_http": False}, ["hookbox", "sqlite", "signing"])):
    conanfile = make(values)
    conanfile.package_info()
    components = conanfile.cpp_info.components
    check(sorted(components) == sorted(names), f"package_info {values}: components {sorted(components)}, expected {names}")
    used = set()
    for name, c in components.items():
        check(set(c.requires) == expected.get(name, set()),
              f"package_info: component {name} requires {c.requires}, expected {sorted(expected.get(name, []))}")
        check(c.get_property("cmake_target_name") == f"hookbox::{name}",
              f"package_info: component {name} is named {c.get_property('cmake_target_name')}")
        for r in c.requires:
            if "::" in r:
                used.add(r.split("::")[0])
            else:
                check(r in components, f"package_info: component {name} requires {r}, which is not a component")
    required = {r.split("/")[0] for r in conanfile.requires_list}
    check(required == used, f"package_info {values}: requirements {sorted(required)}, used by components {sorted(used)}")

# generate: each option to its CMake switch, which the project declares.
cmakelists = open(os.path.join(source_dir, "CMakeLists.txt")).read()
conanfile = make({"with_sqlite": True, "with_postgres": False, "with_openssl": True, "with_http": False,
                  "with_tools": True})
cache = run_generate(conanfile)
for switch, want in (("HOOKBOX_WITH_SQLITE", True), ("HOOKBOX_WITH_POSTGRES", False),
                     ("HOOKBOX_WITH_OPENSSL", True), ("HOOKBOX_WITH_HTTP", False), ("HOOKBOX_BUILD_TOOLS", True),
                     ("HOOKBOX_BUILD_TESTS", False)):
    check(cache.get(switch) == want, f"generate: {switch} is {cache.get(switch)!r}, expected {want}")
    check(re.search(r"\b" + switch + r"\b", cmakelists) is not None, f"CMakeLists.txt does not declare {switch}")

if failures:
    print("conanfile.py:\n" + "\n".join("  - " + f for f in failures))
    sys.exit(1)
print(f"conanfile.py: {len(ids)} option sets, {len(set(all_ids))} package ids; validate and components: ok")

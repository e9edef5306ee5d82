# Conan recipe for hookbox:
#   conan create . --build=missing
# Options: with_sqlite (hookbox::sqlite), with_postgres (hookbox::postgres), with_openssl
# (hookbox::signing), with_http (hookbox::http; needs with_openssl), with_tools (the `hookbox`
# command-line tool; needs with_sqlite). Without the tool the package is headers and CMake files.
# The version and the minimum versions below are checked against CMakeLists.txt by the test suite
# (ctest -R package_manifests); package_id, validate and the components by ctest -R conan_recipe.
import os

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy
from conan.tools.scm import Version

required_conan_version = ">=2.0"


class HookboxConan(ConanFile):
    name = "hookbox"
    version = "0.1.0"
    description = "Durable webhook delivery for C++20: transactional outbox, dispatcher and signed HTTP(S) sender"
    license = "BSL-1.0"
    homepage = "https://github.com/hookbox/hookbox"
    url = "https://github.com/hookbox/hookbox"
    topics = ("webhooks", "outbox", "asio", "beast", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "with_sqlite": [True, False],
        "with_postgres": [True, False],
        "with_openssl": [True, False],
        "with_http": [True, False],
        "with_tools": [True, False],
    }
    # Boost is one package; hookbox needs its headers and its compiled Boost.JSON and Boost.URL.
    default_options = {
        "with_sqlite": True,
        "with_postgres": False,
        "with_openssl": True,
        "with_http": True,
        "with_tools": False,
        "boost/*:without_json": False,
        "boost/*:without_url": False,
    }
    exports_sources = "CMakeLists.txt", "LICENSE", "cmake/*", "include/*", "src/*", "tools/*"
    no_copy_source = True

    # The compilers hookbox is built and tested with, and their first versions with what it uses of C++20.
    _minimum_compilers = {"gcc": "12", "clang": "14"}

    def configure(self):
        # http builds on signing, and the tool on the SQLite engine: without them the option is void.
        if not self.options.with_openssl:
            self.options.rm_safe("with_http")
        if not self.options.with_sqlite:
            self.options.rm_safe("with_tools")
        if self.options.get_safe("with_tools"):
            # headers and a program: consumers get the headers, and the program on their PATH
            self.package_type = "unknown"

    def requirements(self):
        self.requires("boost/[>=1.81.0]")
        if self.options.with_sqlite:
            self.requires("sqlite3/[>=3.35.0]")
        if self.options.with_postgres:
            self.requires("libpq/[>=15.0]")
        if self.options.with_openssl:
            self.requires("openssl/[>=3.0.0]")

    def validate(self):
        check_min_cppstd(self, 20)
        compiler = str(self.settings.compiler)
        minimum = self._minimum_compilers.get(compiler)
        if minimum is None:
            self.output.warning(f"hookbox is built and tested with GCC {self._minimum_compilers['gcc']} and "
                                f"Clang {self._minimum_compilers['clang']} or later, not with {compiler}")
        elif Version(self.settings.compiler.version) < minimum:
            raise ConanInvalidConfiguration(
                f"hookbox needs {compiler} {minimum} or later (C++20), and compiler.version is "
                f"{self.settings.compiler.version}")

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["HOOKBOX_BUILD_TESTS"] = False
        tc.cache_variables["HOOKBOX_BUILD_EXAMPLES"] = False
        tc.cache_variables["HOOKBOX_BUILD_BENCHMARKS"] = False
        tc.cache_variables["HOOKBOX_INSTALL"] = True
        tc.cache_variables["HOOKBOX_WITH_SQLITE"] = bool(self.options.with_sqlite)
        tc.cache_variables["HOOKBOX_WITH_POSTGRES"] = bool(self.options.with_postgres)
        tc.cache_variables["HOOKBOX_WITH_OPENSSL"] = bool(self.options.with_openssl)
        tc.cache_variables["HOOKBOX_WITH_HTTP"] = bool(self.options.get_safe("with_http"))
        tc.cache_variables["HOOKBOX_BUILD_TOOLS"] = bool(self.options.get_safe("with_tools"))
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        if self.options.get_safe("with_tools"):
            cmake = CMake(self)
            cmake.configure()
            cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        if not self.options.get_safe("with_tools"):
            cmake.configure()
        cmake.install()

    def package_id(self):
        # The options choose which components' export files (and whether the tool) the package holds,
        # so every option set is a package of its own. Headers and CMake files do not depend on the
        # compiler, the build type or the versions of the dependencies; the tool, a program, does.
        if not self.info.options.get_safe("with_tools"):
            self.info.settings.clear()
            self.info.requires.clear()

    def package_info(self):
        # CMake consumers use hookbox's own package (share/hookbox), whose components look up their
        # own dependencies; the components below give the same graph to Conan's other generators.
        self.cpp_info.set_property("cmake_find_mode", "none")
        self.cpp_info.set_property("cmake_file_name", "hookbox")

        core = self.cpp_info.components["hookbox"]
        core.set_property("cmake_target_name", "hookbox::hookbox")
        core.requires = ["boost::headers", "boost::json", "boost::url"]
        core.builddirs = [os.path.join("share", "hookbox")]
        core.libdirs = []
        core.bindirs = ["bin"] if self.options.get_safe("with_tools") else []
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]

        def component(name, requires):
            c = self.cpp_info.components[name]
            c.set_property("cmake_target_name", f"hookbox::{name}")
            c.requires = requires
            c.libdirs = []
            c.bindirs = []

        if self.options.with_sqlite:
            component("sqlite", ["hookbox", "sqlite3::sqlite3"])
        if self.options.with_postgres:
            component("postgres", ["hookbox", "libpq::libpq"])
        if self.options.with_openssl:
            component("signing", ["hookbox", "openssl::crypto"])
            if self.options.get_safe("with_http"):
                component("http", ["signing", "openssl::ssl"])

# Conan 2 recipe for usd1pay: packages the library with the project's own
# CMake build (the same CMakeLists.txt that `make` and `cmake --install` use).
#
#   conan create conan/ --build=missing                     # library + headers
#   conan create conan/ -o "usd1pay/*:with_cli=True" ...    # also bin/usd1pay
#
# Dependencies come from Conan packages instead of the system: CMakeDeps
# writes the find_package() config files (OpenSSL, nlohmann_json, CLI11,
# GTest, trompeloeil) and PkgConfigDeps the .pc files that the build's
# pkg_check_modules() calls read (libqrencode, libpng16, sqlite3,
# libsecp256k1, cpp-httplib); CMakeToolchain points PKG_CONFIG_PATH at them.
# tests/conan/check_conanfile.py keeps this file in step with the CMake build
# (every find_package / pkg_check_modules is declared here, the version is the
# project's, the options exist); it runs with `ctest -L unit`.
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
from conan.tools.gnu import PkgConfigDeps

required_conan_version = ">=2.0.5"


class Usd1payConan(ConanFile):
    name = "usd1pay"
    description = "Watch-only USD1 stablecoin payments SDK"
    # No LICENSE file in the repository yet; say so rather than guess one.
    license = "LicenseRef-usd1pay-unlicensed"
    topics = ("payments", "stablecoin", "usd1", "erc20", "webhooks")
    # The C++ library is always a static archive built as position-independent
    # code (CMakeLists.txt: add_library(usd1pay STATIC) and
    # CMAKE_POSITION_INDEPENDENT_CODE ON), so there is no `shared` or `fPIC`
    # option: either would promise something the build does not do. The
    # shared artifact is the C ABI library (libusd1pay.so.N) once it exists.
    package_type = "static-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        # bin/usd1pay (sdk/cli, needs CLI11).
        "with_cli": [True, False],
    }
    default_options = {
        "with_cli": False,
        # The JSON-RPC client and the webhook sender speak HTTPS.
        "cpp-httplib/*:with_openssl": True,
    }

    # What the pkg_check_modules() calls of the CMake build look for, per
    # Conan package: PkgConfigDeps writes <name>.pc for each, whatever name the
    # dependency's own recipe would choose.
    _pkg_config_names = {
        "libqrencode": "libqrencode",
        "libpng": "libpng16",
        "sqlite3": "sqlite3",
        "libsecp256k1": "libsecp256k1",
        "cpp-httplib": "cpp-httplib",
    }

    def set_version(self):
        # One version, the project's: read from project(usd1pay VERSION x.y.z).
        if self.version:
            return
        text = load(self, os.path.join(self.recipe_folder, "..", "CMakeLists.txt"))
        m = re.search(r"project\(\s*usd1pay\s+VERSION\s+([0-9]+\.[0-9]+\.[0-9]+)", text)
        if not m:
            raise ConanInvalidConfiguration("usd1pay: no project(usd1pay VERSION x.y.z) in CMakeLists.txt")
        self.version = m.group(1)

    def export_sources(self):
        # The recipe lives in conan/; the sources are the repository around it.
        root = os.path.join(self.recipe_folder, "..")
        dst = self.export_sources_folder
        # docs/: the integration tests build docs/snippets/verify.c.
        for pattern in ("CMakeLists.txt", "cmake/*", "include/*", "sdk/*", "samples/*", "docs/*"):
            copy(self, pattern, root, dst)
        # tests/ is needed by the build when tools.build:skip_test is False;
        # the npm peers are never part of the sources.
        copy(self, "tests/*", root, dst, excludes=("tests/peers/node_modules/*",))
        # bindings/: their tests are registered with the others (BUILD_TESTING).
        copy(self, "bindings/*", root, dst,
             excludes=("bindings/*/node_modules/*", "bindings/*/__pycache__/*"))

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # Public: the static library's consumers link these too.
        self.requires("openssl/[>=3 <4]")
        self.requires("cpp-httplib/0.14.3")
        self.requires("libqrencode/4.1.1")
        self.requires("libpng/[>=1.6 <2]")
        self.requires("sqlite3/[>=3.40 <4]")
        self.requires("libsecp256k1/[>=0.2 <1]")
        # Private: header-only, used only inside the library's .cpp files.
        self.requires("nlohmann_json/3.11.3", visible=False)
        if self.options.with_cli:
            self.requires("cli11/2.4.2", visible=False)

    def build_requirements(self):
        # pkg_check_modules() needs a pkg-config program on the build machine.
        self.tool_requires("pkgconf/[>=2.1 <3]")
        if not self._skip_tests:
            self.test_requires("gtest/1.14.0")
            self.test_requires("trompeloeil/47")

    def validate(self):
        check_min_cppstd(self, 17)
        if self.settings.os == "Windows":
            # POSIX only: the store, the tracker loop and the tests use POSIX calls.
            raise ConanInvalidConfiguration("usd1pay: Windows is not supported")

    @property
    def _skip_tests(self):
        return self.conf.get("tools.build:skip_test", default=True, check_type=bool)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["USD1PAY_BUILD_CLI"] = bool(self.options.with_cli)
        tc.cache_variables["BUILD_TESTING"] = not self._skip_tests
        # Benchmarks compare against npm peers and fuzzers need clang's
        # libFuzzer: neither belongs in a package build.
        tc.cache_variables["USD1PAY_BUILD_BENCHMARKS"] = False
        tc.cache_variables["USD1PAY_BUILD_FUZZERS"] = False
        tc.cache_variables["USD1PAY_SANITIZE"] = False
        # -Werror is for usd1pay's own CI, not for every consumer's compiler.
        tc.cache_variables["USD1PAY_WERROR"] = False
        tc.generate()
        CMakeDeps(self).generate()
        pc = PkgConfigDeps(self)
        for dep, pc_name in self._pkg_config_names.items():
            pc.set_property(dep, "pkg_config_name", pc_name)
        pc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()
        if not self._skip_tests:
            # The unit tests; not the integration tests (they need the npm
            # peers) nor the checks of the recipe and the docs (label tooling).
            self.run("ctest -L unit -LE tooling --output-on-failure", cwd=self.build_folder,
                     env="conanrun")

    def package(self):
        cmake = CMake(self)
        cmake.install()
        # Conan generates the consumers' CMake and pkg-config files from
        # package_info(); the project's own ones would find the dependencies
        # on the system instead of in Conan's packages.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        # Consumers write what an installed tree gives them:
        #   find_package(usd1pay CONFIG REQUIRED)
        #   target_link_libraries(app PRIVATE usd1pay::usd1pay)   # C++ API
        #   target_link_libraries(tests PRIVATE usd1pay::mocks)   # trompeloeil mocks
        # and `pkg-config usd1pay`. The package-wide target aggregates the
        # components under another name, so it cannot collide with
        # usd1pay::usd1pay.
        self.cpp_info.set_property("cmake_file_name", "usd1pay")
        self.cpp_info.set_property("cmake_target_name", "usd1pay::usd1pay_all")
        self.cpp_info.set_property("pkg_config_name", "usd1pay_all")

        lib = self.cpp_info.components["usd1pay"]
        lib.set_property("cmake_target_name", "usd1pay::usd1pay")
        lib.set_property("pkg_config_name", "usd1pay")
        lib.libs = [self._cxx_library_name()]
        lib.requires = [
            "openssl::crypto",
            "openssl::ssl",
            "cpp-httplib::cpp-httplib",
            "libqrencode::libqrencode",
            "libpng::libpng",
            "sqlite3::sqlite3",
            "libsecp256k1::libsecp256k1",
        ]
        if self.settings.os in ("Linux", "FreeBSD"):
            lib.system_libs = ["pthread"]

        # Header-only: include/usd1pay/mocks/*.h. Consumers add trompeloeil
        # themselves (as with the installed usd1pay::mocks), so the package
        # does not force a trompeloeil version on them.
        mocks = self.cpp_info.components["mocks"]
        mocks.set_property("cmake_target_name", "usd1pay::mocks")
        mocks.set_property("pkg_config_name", "usd1pay-mocks")
        mocks.requires = ["usd1pay"]
        mocks.libdirs = []
        mocks.bindirs = []

        # The C ABI (include/usd1pay/usd1pay.h, the shared library
        # libusd1pay.so.N, target usd1pay::usd1pay_c, pkg-config usd1pay-c) is
        # declared when the package holds the shared library, so the recipe
        # works before and after it lands. Its dependencies are linked into it;
        # they are listed for their run-time libraries when one is built shared.
        if self._has_c_library():
            capi = self.cpp_info.components["usd1pay_c"]
            capi.set_property("cmake_target_name", "usd1pay::usd1pay_c")
            capi.set_property("pkg_config_name", "usd1pay-c")
            capi.libs = ["usd1pay"]
            capi.requires = [r for r in lib.requires if not r.startswith("cpp-httplib")]

        if self.options.with_cli:
            self.buildenv_info.prepend_path("PATH", os.path.join(self.package_folder, "bin"))
            self.runenv_info.prepend_path("PATH", os.path.join(self.package_folder, "bin"))

    def _libdir_files(self):
        libdir = os.path.join(self.package_folder or "", "lib")
        return os.listdir(libdir) if os.path.isdir(libdir) else []

    def _has_c_library(self):
        return any(re.match(r"^libusd1pay\.(so(\.[0-9]+)*|[0-9.]*dylib)$", f)
                   for f in self._libdir_files())

    def _cxx_library_name(self):
        # The C++ archive. Once the C ABI library takes the name libusd1pay,
        # the archive is libusd1pay_cxx.a: with libusd1pay.a and libusd1pay.so
        # side by side, `-lusd1pay` and Conan's find_library would both pick
        # the .so and C++ consumers would link the C ABI
        # (tests/conan/check_conanfile.py fails on such a clash).
        return "usd1pay_cxx" if "libusd1pay_cxx.a" in self._libdir_files() else "usd1pay"

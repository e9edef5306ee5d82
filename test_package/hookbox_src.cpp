//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// hookbox compiled once, for test_package_compiled (every translation unit of which defines
// HOOKBOX_SEPARATE_COMPILATION).

//[separate_compilation
// hookbox_src.cpp
#include <hookbox/src.hpp>                 // the core: outbox, storages, engines' common parts, state
#include <hookbox/engine/sqlite/src.hpp>   // hookbox::sqlite
#include <hookbox/signing/src.hpp>         // hookbox::signing
#include <hookbox/http/src.hpp>            // hookbox::http
//]

//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_SRC_HPP
#define HOOKBOX_ENGINE_POSTGRES_SRC_HPP

/// \file
/// The separately compiled PostgreSQL component: the engine on libpq. Include it once in the program, in the
/// translation unit of `<hookbox/src.hpp>` or another one, with `HOOKBOX_SEPARATE_COMPILATION`
/// defined everywhere (see `<hookbox/src.hpp>`).

#include <hookbox/detail/config.hpp>

#ifndef HOOKBOX_SEPARATE_COMPILATION
#error Define HOOKBOX_SEPARATE_COMPILATION in every translation unit that uses the compiled hookbox, and in the one that includes this file.
#endif

#include <hookbox/engine/postgres/impl/engine.ipp>

#endif  // HOOKBOX_ENGINE_POSTGRES_SRC_HPP

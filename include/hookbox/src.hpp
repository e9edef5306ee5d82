//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_SRC_HPP
#define HOOKBOX_SRC_HPP

/// \file
/// The separately compiled core of hookbox: include this file in exactly one translation unit of
/// the program, with `HOOKBOX_SEPARATE_COMPILATION` defined in every translation unit (see
/// `detail/config.hpp`). It defines what the core headers declare (the outbox, the memory storage
/// and engine, the generic engine storage, the state store, the errors, validation, the dispatcher's
/// decisions) and instantiates the templates behind the core aliases. The optional components have
/// their own: `<hookbox/engine/sqlite/src.hpp>` (SQLite), `<hookbox/signing/src.hpp>` (OpenSSL's
/// libcrypto), `<hookbox/http/src.hpp>` (Beast and libssl).

#include <hookbox/detail/config.hpp>

#ifndef HOOKBOX_SEPARATE_COMPILATION
#error Define HOOKBOX_SEPARATE_COMPILATION in every translation unit that uses the compiled hookbox, and in the one that includes this file.
#endif

#include <hookbox/impl/error.ipp>
#include <hookbox/impl/validate.ipp>

#endif  // HOOKBOX_SRC_HPP

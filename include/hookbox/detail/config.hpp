//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_CONFIG_HPP
#define HOOKBOX_DETAIL_CONFIG_HPP

// Header-only (the default) or separately compiled.
//
// Header-only: every function is defined in the headers, non-template ones `inline` through
// HOOKBOX_DECL, and each header that declares such functions includes its `impl/*.ipp` at its end.
//
// Separate compilation: define HOOKBOX_SEPARATE_COMPILATION in every translation unit of the program
// (a compiler flag), and include <hookbox/src.hpp> (and the `src.hpp` of each optional component
// used: <hookbox/engine/sqlite/src.hpp>, <hookbox/signing/src.hpp>, <hookbox/http/src.hpp>) in exactly
// one of them. The headers then only declare; that one translation unit defines, and also holds
// the instantiations of the templates behind the library's aliases (`outbox`, `sqlite_outbox`, ...),
// which the headers declare `extern`.

#if defined(HOOKBOX_SEPARATE_COMPILATION)
#define HOOKBOX_DECL
#else
#define HOOKBOX_HEADER_ONLY
#define HOOKBOX_DECL inline
#endif

#endif  // HOOKBOX_DETAIL_CONFIG_HPP

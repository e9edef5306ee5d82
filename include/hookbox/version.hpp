//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_VERSION_HPP
#define HOOKBOX_VERSION_HPP

/// \file
/// The library version. CMake's `project(VERSION)`, the vcpkg port and the Conan recipe agree with it.

/// `major * 10000 + minor * 100 + patch`.
#define HOOKBOX_VERSION 100

/// The version as text.
#define HOOKBOX_VERSION_STRING "0.1.0"

#endif  // HOOKBOX_VERSION_HPP

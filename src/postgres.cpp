//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The separately compiled postgres component (src/CMakeLists.txt).
#include <hookbox/engine/postgres/src.hpp>

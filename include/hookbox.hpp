//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HPP
#define HOOKBOX_HPP

/// \file
/// Every public hookbox header.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/error.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/partition.hpp>
#include <hookbox/payload.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/memory_storage.hpp>
#include <hookbox/validate.hpp>
#include <hookbox/version.hpp>

#endif  // HOOKBOX_HPP

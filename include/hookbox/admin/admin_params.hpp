//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ADMIN_ADMIN_PARAMS_HPP
#define HOOKBOX_ADMIN_ADMIN_PARAMS_HPP

/// \file
/// `admin_params`: what an `admin_handler` is built with (its bearer token, where its routes are,
/// how large a request body may be, and the optional metrics and endpoint health store).

#include <hookbox/detail/config.hpp>
#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/error.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace hookbox {

/// Parameters of an `admin_handler`, fixed at construction.
struct admin_params {
    /// The bearer token every request must present (`Authorization: Bearer <token>`). Required:
    /// 16 to 256 bytes of visible ASCII. Choose it at random; it is never written anywhere by the
    /// handler.
    std::string token{};
    /// Where the routes are: `"/hookbox"` serves `/hookbox/stats`, `/hookbox/` (the status page),
    /// ... . Starts with `/`, does not end with `/`, at most 256 bytes of visible ASCII; `""` puts
    /// the routes at the root.
    std::string prefix = "/hookbox";
    /// Request bodies larger than this are refused with 413. 1 to 16 MiB. Let the server's parser
    /// limit bodies too (`body_limit` of Beast's parser), so that a large one is never read.
    std::size_t max_body_bytes = 64 * 1024;
    /// When set, `GET <prefix>/metrics` calls it to write the Prometheus text exposition format
    /// (version 0.0.4) into its argument; unset, that route is not served (404).
    std::function<void(std::string&)> metrics{};
    /// Where endpoint health is kept (the store the dispatcher was given as
    /// `dispatcher_params::health_store`): `GET <prefix>/endpoints` lists what it holds, and,
    /// when the admin target has no dispatcher, disable and enable write to it.
    std::shared_ptr<endpoint_health_store> health_store{};

    /// Checks the parameters; the diagnostics name the field (`token`, `prefix`,
    /// `max_body_bytes`). Errors: `errc::empty_field`, `errc::invalid_argument`.
    HOOKBOX_DECL bool check(error_code& ec, diagnostics& diag) const;
};

}  // namespace hookbox

#endif  // HOOKBOX_ADMIN_ADMIN_PARAMS_HPP

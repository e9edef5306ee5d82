//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ADMIN_ADMIN_HANDLER_HPP
#define HOOKBOX_ADMIN_ADMIN_HANDLER_HPP

/// \file
/// `admin_handler`: the admin API and the status page, as a Boost.Beast request handler that a
/// program mounts in an HTTP server of its own. Part of the HTTP component (`hookbox::http`).

#include <hookbox/admin/admin_params.hpp>
#include <hookbox/admin/admin_target.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <span>
#include <string_view>

namespace hookbox {

/// One route of the admin API, relative to `admin_params::prefix`: `{id}` stands for a delivery
/// id, `{webhook_id}` for a webhook id (percent-encoded in the request target).
struct admin_route {
    std::string_view method;
    std::string_view path;
};

/// Answers the admin API's requests (JSON) and serves the status page (HTML), for one outbox.
///
/// \par Routes (under `admin_params::prefix`, `/hookbox` by default)
/// `GET /stats`, `GET /deliveries` (`status`, `webhook`, `after`, `limit`), `GET /deliveries/{id}`,
/// `POST /deliveries/{id}/redeliver`, `POST /replay` and `POST /purge` (a JSON filter; purge also
/// needs `"confirm": true`), `GET /endpoints`, `POST /endpoints/{webhook_id}/disable` (`reason`),
/// `POST /endpoints/{webhook_id}/enable`, `GET /openapi.json` (the OpenAPI 3.0 document of these
/// routes), `GET /metrics` (when `admin_params::metrics` is set) and `GET /` (the status page).
/// `doc/admin.md` describes each.
///
/// \par Authentication
/// Every request must carry `Authorization: Bearer <admin_params::token>` (compared in constant
/// time); otherwise the answer is 401 with `WWW-Authenticate: Bearer`. The status page alone also
/// takes the token as the query `?token=`, once: the page keeps it in the browser's session storage
/// and removes it from the address bar. No response shows a delivery's secret, the value of a
/// header that carries a credential, or the password of a URL.
///
/// \par Errors
/// `{"error": {"code", "field", "message"}}`: 400 for bad input (the field is named), 401, 404,
/// 405 (with `Allow`), 409 (`not_eligible`: the delivery's status does not allow it), 413 (a body
/// larger than `admin_params::max_body_bytes`), 503 (the storage is busy or failed in a way that
/// may pass), 500 (another storage failure).
///
/// \par Threads
/// `handle` is synchronous: it calls the outbox and returns. Over SQL storage it blocks the calling
/// thread for the statements, so call it where that is acceptable (a thread of its own, or a thread
/// pool; not the dispatcher's I/O thread). It may be called from several threads at once.
class admin_handler {
public:
    /// Throws `error_with_diagnostics` naming the field of `params` at fault (see
    /// `admin_params::check`), or `errc::invalid_argument` naming `target` when it is null.
    HOOKBOX_DECL admin_handler(std::shared_ptr<admin_target> target, admin_params params);

    /// The response to `req`. Never throws: an unexpected failure is a 500 response.
    HOOKBOX_DECL boost::beast::http::response<boost::beast::http::string_body>
    handle(const boost::beast::http::request<boost::beast::http::string_body>& req) const;

    /// `handle(req)`.
    boost::beast::http::response<boost::beast::http::string_body>
    operator()(const boost::beast::http::request<boost::beast::http::string_body>& req) const {
        return handle(req);
    }

    const admin_params& params() const noexcept { return params_; }

    /// Every route the handler serves (`GET /metrics` only when `admin_params::metrics` is set).
    HOOKBOX_DECL static std::span<const admin_route> routes() noexcept;

    /// The OpenAPI 3.0 document of the routes (what `GET <prefix>/openapi.json` serves, with the
    /// prefix as its server URL).
    HOOKBOX_DECL static std::string_view openapi_document() noexcept;

    /// The status page (what `GET <prefix>/` serves).
    HOOKBOX_DECL static std::string_view status_page() noexcept;

private:
    std::shared_ptr<admin_target> target_;
    admin_params params_;
};

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/admin/impl/admin_handler.ipp>
#endif

#endif  // HOOKBOX_ADMIN_ADMIN_HANDLER_HPP

//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_REDACT_HPP
#define HOOKBOX_DETAIL_REDACT_HPP

// What an operator's view of a delivery never shows: the value of a header that carries a
// credential, and the password (or the whole user information) of a URL. The `hookbox` tool and the
// admin API show deliveries through these rules.

#include <algorithm>
#include <string>
#include <string_view>

namespace hookbox::detail {

// The value shown in place of a credential.
inline constexpr std::string_view redacted_value = "<redacted>";

// True for a header whose value is a credential: Authorization, Proxy-Authorization, Cookie,
// Set-Cookie, and any name containing token, secret, password, api-key, apikey or api_key (in any
// case).
inline bool is_credential_header(std::string_view name) {
    std::string n(name);
    for (auto& c : n)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    if (n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie")
        return true;
    for (std::string_view part : {"token", "secret", "password", "api-key", "apikey", "api_key"})
        if (n.find(part) != std::string::npos)
            return true;
    return false;
}

// The value of a header as shown: `redacted_value` for a credential, else the value.
inline std::string shown_header_value(std::string_view name, std::string_view value) {
    return std::string(is_credential_header(name) ? redacted_value : value);
}

// A URL as shown: user information replaced, `user:***@` for `user:password@` and `***@` for a
// user name alone; anything else as it is.
inline std::string display_url(std::string_view url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos)
        return std::string(url);
    const std::size_t begin = scheme + 3;
    const std::size_t end = std::min(url.find_first_of("/?#", begin), url.size());
    const std::size_t at = url.substr(0, end).rfind('@');
    if (at == std::string_view::npos || at < begin)
        return std::string(url);
    std::string_view userinfo = url.substr(begin, at - begin);
    const std::size_t colon = userinfo.find(':');
    std::string out(url.substr(0, begin));
    if (colon != std::string_view::npos) {
        out += userinfo.substr(0, colon);
        out += ":***";
    } else {
        out += "***";
    }
    out += url.substr(at);
    return out;
}

}  // namespace hookbox::detail

#endif  // HOOKBOX_DETAIL_REDACT_HPP

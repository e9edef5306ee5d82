//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_FUNCTION_REF_HPP
#define HOOKBOX_DETAIL_FUNCTION_REF_HPP

// A non-owning reference to a callable: what a separately compiled function takes in place of a
// template parameter, without the allocation a std::function may make. The callable must outlive
// the call it is passed to.

#include <memory>
#include <type_traits>
#include <utility>

namespace hookbox::detail {

template <class Signature>
class function_ref;

template <class R, class... Args>
class function_ref<R(Args...)> {
public:
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> && std::is_invocable_r_v<R, F&, Args...>)
    function_ref(F&& f) noexcept {  // NOLINT(google-explicit-constructor): a reference converts implicitly
        using target = std::remove_reference_t<F>;
        if constexpr (std::is_function_v<target>) {
            // A function: its address is kept as a function pointer (a pointer to a function does
            // not convert to void*).
            target_.fn = reinterpret_cast<void (*)()>(&f);
            call_ = [](storage s, Args... args) -> R {
                return reinterpret_cast<target*>(s.fn)(std::forward<Args>(args)...);
            };
        } else {
            target_.obj = const_cast<void*>(static_cast<const void*>(std::addressof(f)));
            call_ = [](storage s, Args... args) -> R { return (*static_cast<target*>(s.obj))(std::forward<Args>(args)...); };
        }
    }

    R operator()(Args... args) const { return call_(target_, std::forward<Args>(args)...); }

private:
    union storage {
        void* obj;
        void (*fn)();
    };
    storage target_{};
    R (*call_)(storage, Args...) = nullptr;
};

}  // namespace hookbox::detail

#endif  // HOOKBOX_DETAIL_FUNCTION_REF_HPP

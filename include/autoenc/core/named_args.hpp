/// @file
/// Named arguments: how every hyper-parameter in autoenc is written at the call site, the way
/// Keras and scikit-learn spell them,
///
///     ae::Conv2D<float>(32, 3, ae::strides = 2, ae::padding = "same", ae::activation = "elu");
///     model.fit(x, x, ae::epochs = 10, ae::batch_size = 256, ae::verbose = 0);
///     ae::KMeans<float> km(10, ae::n_init = 10, ae::random_state = 42);
///
/// `ae::strides = 2` makes a small value, `NamedArg<StridesTag, Size2>`, that the receiving class
/// applies to its options struct (ConvOptions, FitOptions, KMeansOptions, ...). The options
/// structs have fields of the same names, for code that builds a configuration step by step.
/// An argument a class does not take is a compile-time error that names the class and the tag.
// SPDX-License-Identifier: MIT
#pragma once

#include <type_traits>
#include <utility>

namespace autoenc {

/// A value tagged with the name of the parameter it sets.
template <class Tag, class Value>
struct NamedArg {
  Value value;  ///< The value given after `=`.
};

/// The name of a parameter: `name = value` makes a NamedArg.
template <class Tag, class Value>
struct ArgName {
  /// `ae::epochs = 10`: any value that `Value` can be constructed from.
  template <class U, class = std::enable_if_t<std::is_constructible<Value, U&&>::value>>
  NamedArg<Tag, Value> operator=(U&& v) const {  // NOLINT: the point is the spelling
    return {Value(std::forward<U>(v))};
  }
  /// For braced values: ae::strides = {2, 1}.
  NamedArg<Tag, Value> operator=(Value v) const { return {std::move(v)}; }  // NOLINT
};

namespace detail {

/// Whether `Options` has set(NamedArg) for this argument type.
template <class Options, class Arg, class = void>
struct accepts_arg : std::false_type {};
template <class Options, class Arg>
struct accepts_arg<Options, Arg, std::void_t<decltype(std::declval<Options&>().set(std::declval<Arg>()))>>
    : std::true_type {};

/// Applies each named argument to `options` through its set() overloads.
template <class Options, class... Args>
void apply_named_args(Options& options, Args&&... args) {
  static_assert((accepts_arg<Options, std::decay_t<Args>>::value && ...),
                "this class does not take one of the named arguments given (see its Options struct)");
  (options.set(std::forward<Args>(args)), ...);
}

/// True when every type in Args is a NamedArg (to keep variadic constructors from catching
/// positional arguments).
template <class T>
struct is_named_arg : std::false_type {};
template <class Tag, class Value>
struct is_named_arg<NamedArg<Tag, Value>> : std::true_type {};
template <class... Args>
constexpr bool all_named_args = (is_named_arg<std::decay_t<Args>>::value && ...);

}  // namespace detail
}  // namespace autoenc

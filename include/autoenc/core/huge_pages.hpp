/// @file
/// Asking Linux for transparent huge pages on large arrays that are read in scattered order.
///
/// Why: t-SNE's attraction reads the map at every stored pair of P, in an order that is only
/// roughly local. With 4 KiB pages the map of a million points (16 MB) spans 4,096 pages, more
/// than the CPU's TLB holds, so many reads first walk the page tables; with 2 MiB pages it spans
/// 8. Debian's kernels give huge pages only to memory that a program marks with
/// madvise(MADV_HUGEPAGE) (transparent_hugepage=madvise), so autoenc marks its few large arrays.
/// It is a hint: where the kernel says no, or on other systems, nothing changes but the speed.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace autoenc {
namespace detail {

/// Marks the whole 2 MiB pages inside [data, data + bytes) for transparent huge pages. Call it
/// before the memory is first written: the page faults that follow then map huge pages.
inline void advise_huge_pages(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHugePage = std::uintptr_t(2) << 20;
  const auto first = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (first + kHugePage - 1) & ~(kHugePage - 1), end = (first + bytes) & ~(kHugePage - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace detail
}  // namespace autoenc

// host_stalls: how often this machine stops running a busy thread, measured
// beside the other benchmarks so that a latency tail can be read against
// the host's own. One thread per core, each pinned, reads the monotonic
// clock in a loop; a gap between two reads is time the thread did not run
// (the kernel, or on a VM the hypervisor, took the core away).
//
//   host_stalls --seconds 10
//   cores=2 seconds=10.0 stalls_over_1ms_per_core_s=1.0
//     stalls_over_200us_per_core_s=4.0 max_stall_us=4200 lost_percent=0.70
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"

namespace {

using Clock = std::chrono::steady_clock;

// Gaps above this count as time lost; below it is the loop's own jitter
// (cache misses, interrupts that return at once).
constexpr auto kCounted = std::chrono::microseconds(50);

struct Stalls {
  int64_t over_200us = 0;
  int64_t over_1ms = 0;
  Clock::duration longest{};
  Clock::duration lost{};
};

Stalls Spin(int cpu, Clock::time_point end) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // Left unpinned where the core is not ours to use (a cpuset): its gaps
  // then include the scheduler moving it, which still counts against a tail.
  (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  Stalls stalls;
  for (Clock::time_point last = Clock::now(), now; (now = Clock::now()) < end;
       last = now) {
    const Clock::duration gap = now - last;
    if (gap < kCounted) continue;
    stalls.lost += gap;
    stalls.longest = std::max(stalls.longest, gap);
    if (gap > std::chrono::microseconds(200)) ++stalls.over_200us;
    if (gap > std::chrono::milliseconds(1)) ++stalls.over_1ms;
  }
  return stalls;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"How often this machine stops a busy thread, per core"};
  double seconds = 10;
  app.add_option("--seconds", seconds)->check(CLI::Range(0.1, 3600.0));
  CLI11_PARSE(app, argc, argv);

  const int cores =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const Clock::time_point end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(seconds));
  std::vector<Stalls> per_core(static_cast<size_t>(cores));
  std::vector<std::thread> threads;
  for (int cpu = 0; cpu < cores; ++cpu) {
    threads.emplace_back(
        [&, cpu] { per_core[static_cast<size_t>(cpu)] = Spin(cpu, end); });
  }
  for (std::thread& thread : threads) thread.join();

  Stalls all;
  for (const Stalls& one : per_core) {
    all.over_200us += one.over_200us;
    all.over_1ms += one.over_1ms;
    all.longest = std::max(all.longest, one.longest);
    all.lost += one.lost;
  }
  const double core_seconds = seconds * cores;
  std::cout << absl::StrFormat(
      "cores=%d seconds=%.1f stalls_over_1ms_per_core_s=%.1f "
      "stalls_over_200us_per_core_s=%.1f max_stall_us=%.0f lost_percent=%.2f\n",
      cores, seconds, all.over_1ms / core_seconds,
      all.over_200us / core_seconds,
      std::chrono::duration<double, std::micro>(all.longest).count(),
      100 * std::chrono::duration<double>(all.lost).count() / core_seconds);
  return 0;
}

import Histogram
import Synchronization

/// Latencies from every event loop into one HdrHistogram, in microseconds (up to a minute, 3 significant digits).
final class LatencyRecorder: Sendable {
    private let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))
    /// Whether samples are kept (false during warm-up).
    private let recording = Atomic<Bool>(false)

    /// Starts keeping samples, dropping any earlier ones.
    func start() {
        self.histogram.withLock { $0.reset() }
        self.recording.store(true, ordering: .releasing)
    }

    func stop() { self.recording.store(false, ordering: .releasing) }

    /// One sample, from two `DispatchTime` uptime readings.
    func record(from start: UInt64, to end: UInt64) {
        guard self.recording.load(ordering: .acquiring) else { return }
        let micros = end > start ? (end - start) / 1000 : 0
        self.histogram.withLock { _ = $0.record(min(micros, 60_000_000)) }
    }

    /// The number of samples kept.
    var count: Int { self.histogram.withLock { Int($0.totalCount) } }

    /// The latency at `percentile` (0–100), in milliseconds; nil without samples.
    func milliseconds(at percentile: Double) -> Double? {
        self.histogram.withLock { histogram in
            histogram.totalCount == 0 ? nil : Double(histogram.valueAtPercentile(percentile)) / 1000
        }
    }
}

import Benchmark
import ChatCore

/// QR encoding speed. Run with `swift package --allow-writing-to-package-directory benchmark --target QRBenchmarks`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 5000
    )

    // 300 bytes of URL-like text: byte mode, version 13 at level M.
    let payload = String(String(repeating: "https://chat.example.org/join/Zx8_kP-4mQ2rT7vY", count: 7).prefix(300))
    let invite = "https://chat.example.org/join/k6MioymmMebBlW6gxkRy8ZM6LC1zSVCD"

    Benchmark("QR encode 300 bytes, level M") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try QRCode(encoding: payload, ecc: .medium))
        }
    }

    Benchmark("QR encode invite URL, level M") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try QRCode(encoding: invite, ecc: .medium))
        }
    }

    Benchmark("QR encode 2953 bytes, level L (version 40)") { benchmark in
        let large = String(repeating: "a", count: 2953)
        for _ in benchmark.scaledIterations {
            blackHole(try QRCode(encoding: large, ecc: .low))
        }
    }

    Benchmark("QR render half blocks, invite URL") { benchmark in
        let code = try QRCode(encoding: invite, ecc: .medium)
        let renderer = QRRenderer(colors: true)
        for _ in benchmark.scaledIterations {
            blackHole(renderer.render(code))
        }
    }
}

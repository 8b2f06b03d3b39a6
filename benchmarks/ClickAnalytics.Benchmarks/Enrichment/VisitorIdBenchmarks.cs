using System;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace ClickAnalytics.Benchmarks.Enrichment;

/// <summary>The keyed hash behind visitor ids: one-shot HMAC against a reused HMAC context, side by side.</summary>
[MemoryDiagnoser]
public class VisitorIdBenchmarks
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _message = Encoding.UTF8.GetBytes("\u00cb\u0033\u0071\u0007\0Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\0tenant-3");
    private readonly byte[] _hash = new byte[32];
    private IncrementalHash _reused = null!;

    [GlobalSetup]
    public void Setup() => _reused = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);

    [GlobalCleanup]
    public void Cleanup() => _reused.Dispose();

    [Benchmark(Baseline = true)]
    public int OneShot() => HMACSHA256.HashData(_key, _message, _hash);

    [Benchmark]
    public int ReusedContext()
    {
        _reused.AppendData(_message);
        return _reused.GetHashAndReset(_hash);
    }
}

using System;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using ClickAnalytics.Enrichment.Privacy;

namespace ClickAnalytics.Benchmarks.Enrichment;

/// <summary>
/// The keyed hash behind visitor ids, on a realistic message (IPv4, Chrome User-Agent, tenant):
/// the SipHash-2-4-128 the privacy stage uses, against HMAC-SHA256 one-shot and with a reused
/// context (what it used before), side by side.
/// </summary>
[MemoryDiagnoser]
public class VisitorIdBenchmarks
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _message = Encoding.UTF8.GetBytes("\u00cb\u0033\u0071\u0007\0Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\0tenant-3");
    private readonly byte[] _hash = new byte[32];
    private IncrementalHash _reused = null!;
    private SipHash128 _sipHash;

    [GlobalSetup]
    public void Setup()
    {
        _reused = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        _sipHash = new SipHash128(_key);
    }

    [GlobalCleanup]
    public void Cleanup() => _reused.Dispose();

    [Benchmark(Baseline = true)]
    public int HmacOneShot() => HMACSHA256.HashData(_key, _message, _hash);

    [Benchmark]
    public int HmacReusedContext()
    {
        _reused.AppendData(_message);
        return _reused.GetHashAndReset(_hash);
    }

    [Benchmark]
    public byte SipHash()
    {
        _sipHash.Hash(_message, _hash);
        return _hash[0];
    }
}

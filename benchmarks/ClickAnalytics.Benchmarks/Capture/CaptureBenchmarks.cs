using System;
using System.Net;
using System.Threading;
using BenchmarkDotNet.Attributes;
using ClickAnalytics.AspNetCore.Capture;
using ClickAnalytics.Buffering;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ClickAnalytics.Benchmarks.Capture;

/// <summary>
/// The redirect path's cost: building the click from a request that already exists and handing
/// it to the real channel buffer. The buffer is emptied between iterations (not during them), so
/// the allocations reported are capture's own, beyond what the request allocated in setup.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(200_000)]
public class CaptureBenchmarks
{
    private ServiceProvider _services = null!;
    private ClickCapture _capture = null!;
    private DefaultHttpContext _context = null!;
    private ClickTracking _tracking = null!;
    private IClickBufferReader _reader = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics(o => o.BufferCapacity = 4_000_000);
        _services = services.BuildServiceProvider();
        _capture = ClickCapture.GetOrCreate(_services);
        _tracking = new ClickTracking();

        _context = new DefaultHttpContext();
        _context.Request.Method = "GET";
        _context.Request.Path = "/abc123";
        _context.Request.QueryString = new QueryString("?utm_source=newsletter&utm_medium=email");
        _context.Request.RouteValues = new RouteValueDictionary { ["code"] = "abc123" };
        _context.Request.Headers.UserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        _context.Request.Headers.Referer = "https://www.google.com/";
        _context.Request.Headers.AcceptLanguage = "en-GB,en;q=0.9";
        _context.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
        _context.Response.StatusCode = 302;
        _context.Response.Headers.Location = "https://example.com/landing";

        _reader = _services.GetRequiredService<IClickBufferReader>();
    }

    [IterationCleanup]
    public void Drain()
    {
        while (_reader.Count > 0)
        {
            _reader.ReadBatchAsync(100_000, TimeSpan.Zero, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>What a tracked endpoint runs after the redirect was produced.</summary>
    [Benchmark]
    public void CaptureTrackedResponse() => _capture.CaptureResponse(_context, _tracking);

    /// <summary>The public API a host calls itself.</summary>
    [Benchmark]
    public bool TryCapture() => _capture.TryCapture(_context, "abc123");
}

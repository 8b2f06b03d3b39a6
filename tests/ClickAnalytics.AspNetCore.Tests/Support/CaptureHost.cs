using System;
using System.Collections.Concurrent;
using System.Net;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.AspNetCore.Capture;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.AspNetCore.Tests.Support;

/// <summary>A small shortener on a test server with a tracked redirect endpoint.</summary>
internal sealed class CaptureHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CaptureHost(WebApplication app)
    {
        _app = app;
        Server = app.GetTestServer();
        Metrics = app.Services.GetRequiredService<ClickAnalyticsMetrics>();
        Dropped = new MetricCollector<long>(Metrics.Meter, "clickanalytics.buffer.dropped");
    }

    public static readonly DateTimeOffset Now = new(2026, 11, 3, 8, 30, 0, TimeSpan.Zero);

    public TestServer Server { get; }

    public ClickAnalyticsMetrics Metrics { get; }

    public MetricCollector<long> Dropped { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="buffer">Replaces the channel buffer (null keeps the real one).</param>
    /// <param name="configure">Changes the pipeline's options.</param>
    /// <param name="trustedProxy">A proxy whose X-Forwarded-For is believed.</param>
    public static async Task<CaptureHost> StartAsync(
        IClickBufferWriter? buffer = null,
        Action<ClickAnalyticsOptions>? configure = null,
        IPAddress? trustedProxy = null,
        Action<ClickTracking>? tracking = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        if (buffer is not null)
        {
            builder.Services.AddSingleton(buffer);
        }

        builder.Services.AddClickAnalytics(o =>
        {
            o.ProcessingEnabled = false;
            configure?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            if (trustedProxy is not null)
            {
                o.KnownProxies.Add(trustedProxy);
            }
        });

        WebApplication app = builder.Build();
        app.UseForwardedHeaders();
        app.MapMethods("/{code}", ["GET", "HEAD"], (string code) => code == "missing"
                ? Results.NotFound()
                : Results.Redirect($"https://example.com/{code}?utm_source=dest"))
            .TrackClicks(tracking);
        app.MapGet("/page/{code}", (string code) => Results.Text("hello")).TrackClicks();
        await app.StartAsync();
        return new CaptureHost(app);
    }

    /// <summary>Sends a request built on an HttpContext, so the connection's address can be set.</summary>
    public Task<HttpContext> SendAsync(string path, Action<HttpRequest>? request = null, IPAddress? remote = null, string method = "GET") =>
        Server.SendAsync(context =>
        {
            context.Request.Method = method;
            int q = path.IndexOf('?', StringComparison.Ordinal);
            context.Request.Path = q < 0 ? path : path[..q];
            context.Request.QueryString = q < 0 ? QueryString.Empty : new QueryString(path[q..]);
            context.Connection.RemoteIpAddress = remote ?? IPAddress.Parse("198.51.100.20");
            request?.Invoke(context.Request);
        });

    public async ValueTask DisposeAsync()
    {
        Dropped.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Keeps what capture hands over.</summary>
internal sealed class RecordingBuffer : IClickBufferWriter
{
    public ConcurrentQueue<ClickEvent> Clicks { get; } = new();

    public bool TryWrite(ClickEvent click)
    {
        Clicks.Enqueue(click);
        return true;
    }
}

/// <summary>A buffer that breaks its contract and throws.</summary>
internal sealed class ThrowingBuffer : IClickBufferWriter
{
    public bool TryWrite(ClickEvent click) => throw new InvalidOperationException("buffer exploded");
}

using System;
using System.Threading;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using ClickAnalytics.Buffering;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace ClickAnalytics.AspNetCore.Capture;

/// <summary>
/// Turns a request into a <see cref="ClickEvent"/> and hands it to the buffer. This runs on the
/// redirect path, so it reads only values the request already holds, allocates the event and
/// nothing else for a normal request, never awaits and never throws: a click it cannot take is
/// counted as dropped and the response goes out unchanged.
/// </summary>
public sealed class ClickCapture
{
    private static readonly ConditionalWeakTable<IServiceProvider, ClickCapture> PerProvider = new();

    private readonly IClickBufferWriter _buffer;
    private readonly ClickAnalyticsMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ClickCaptureOptions _options;
    private readonly ILogger _logger;
    private int _warnedForwardedFor;

    /// <summary>Creates a capture on the given buffer, with options already validated.</summary>
    internal ClickCapture(IClickBufferWriter buffer, ClickAnalyticsMetrics metrics, TimeProvider timeProvider, ClickCaptureOptions options, ILogger logger)
    {
        _buffer = buffer;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// The capture of an application's services, built once from <c>AddClickAnalytics()</c>'s
    /// buffer and its <see cref="ClickCaptureOptions"/>. A host that redirects outside a tracked
    /// endpoint calls <see cref="TryCapture"/> on it.
    /// </summary>
    public static ClickCapture GetOrCreate(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return PerProvider.GetValue(services, Create);
    }

    private static ClickCapture Create(IServiceProvider services)
    {
        IClickBufferWriter buffer = services.GetService<IClickBufferWriter>()
            ?? throw new InvalidOperationException("Click tracking needs services.AddClickAnalytics() in the application's services.");
        return new ClickCapture(
            buffer,
            services.GetRequiredService<ClickAnalyticsMetrics>(),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<IOptions<ClickCaptureOptions>>().Value,
            (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger<ClickCapture>() ?? NullLogger.Instance);
    }

    /// <summary>
    /// Captures a click for <paramref name="linkId"/> from the current request. For hosts that
    /// redirect outside a tracked endpoint; tracked endpoints call it for you. Returns whether the
    /// buffer took the click. Never throws.
    /// </summary>
    public bool TryCapture(HttpContext context, string linkId, string? tenantId = null, string? destinationUrl = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        ClickEvent click;
        try
        {
            if (context is null || string.IsNullOrEmpty(linkId))
            {
                return false;
            }

            click = Build(context, linkId, tenantId, destinationUrl, tags);
            WarnIfForwardedForIsIgnored(context);
        }
        catch (Exception)
        {
            _metrics.Dropped(1, DropReason.CaptureError);
            return false;
        }

        try
        {
            return _buffer.TryWrite(click);
        }
        catch (Exception)
        {
            // The contract says a buffer never throws; if one does, the redirect still must not fail.
            _metrics.Dropped(1, DropReason.BufferError);
            return false;
        }
    }

    /// <summary>Called after a tracked endpoint produced its response.</summary>
    internal void CaptureResponse(HttpContext context, ClickTracking tracking)
    {
        string? linkId, tenantId;
        IReadOnlyDictionary<string, string>? tags;
        try
        {
            int status = context.Response.StatusCode;
            if (tracking.OnlyRedirects && status is < 300 or > 399)
            {
                return;
            }

            linkId = tracking.LinkId is null
                ? context.Request.RouteValues[tracking.LinkIdRouteValue]?.ToString()
                : tracking.LinkId(context);
            if (string.IsNullOrEmpty(linkId))
            {
                return;
            }

            tenantId = tracking.TenantId?.Invoke(context);
            tags = tracking.Tags?.Invoke(context);
        }
        catch (Exception)
        {
            _metrics.Dropped(1, DropReason.CaptureError);
            return;
        }

        TryCapture(context, linkId, tenantId, Single(context.Response.Headers.Location), tags);
    }

    /// <summary>
    /// A request that still carries X-Forwarded-For when it reaches a tracked endpoint was not
    /// rewritten by the forwarded-headers middleware (it is missing, its ForwardedHeaders leave
    /// XForwardedFor out, or the proxy is not trusted), so every click gets the proxy's address:
    /// one visitor, and real clicks marked as repeats. Said once per process, with what to do.
    /// </summary>
    private void WarnIfForwardedForIsIgnored(HttpContext context)
    {
        if (Volatile.Read(ref _warnedForwardedFor) == 0
            && context.Request.Headers.ContainsKey("X-Forwarded-For")
            && Interlocked.Exchange(ref _warnedForwardedFor, 1) == 0)
        {
            CaptureLog.ForwardedForIgnored(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        }
    }

    private ClickEvent Build(HttpContext context, string linkId, string? tenantId, string? destinationUrl, IReadOnlyDictionary<string, string>? tags)
    {
        HttpRequest request = context.Request;
        IHeaderDictionary headers = request.Headers;
        ClickCaptureOptions options = _options;
        DateTimeOffset now = _timeProvider.GetUtcNow();
        string? query = Cap(request.QueryString.Value, options.MaxQueryStringLength);

        return new ClickEvent
        {
            EventId = ClickEventId.NewId(now),
            Timestamp = now,
            LinkId = Cap(linkId, options.MaxIdLength)!,
            TenantId = Cap(tenantId, options.MaxIdLength),
            ClientIp = HeaderText.WithoutZone(context.Connection.RemoteIpAddress),
            UserAgent = HeaderText.Clean(Cap(Single(headers.UserAgent), options.MaxUserAgentLength)),
            Referer = HeaderText.Clean(Cap(Single(headers.Referer), options.MaxRefererLength)),
            AcceptLanguage = HeaderText.Clean(Cap(Single(headers.AcceptLanguage), options.MaxAcceptLanguageLength)),
            QueryString = query,
            DestinationUrl = Cap(destinationUrl, options.MaxDestinationLength),
            Flags = ReadFlags(request, headers, query, options.QrCodeParameter),
            Tags = tags,
        };
    }

    private static ClickFlags ReadFlags(HttpRequest request, IHeaderDictionary headers, string? query, string qrParameter)
    {
        ClickFlags flags = HttpMethods.IsHead(request.Method) ? ClickFlags.HeadRequest : ClickFlags.None;

        // Sec-Purpose is the standard (Chromium, Firefox); Purpose and X-Purpose/X-Moz are older spellings.
        flags |= PurposeFlags(headers["Sec-Purpose"]);
        flags |= PurposeFlags(headers["Purpose"]);
        flags |= PurposeFlags(headers["X-Purpose"]);
        flags |= PurposeFlags(headers["X-Moz"]);

        if (qrParameter.Length > 0 && query is not null && query.Contains(qrParameter, StringComparison.OrdinalIgnoreCase))
        {
            string? qr = QueryStrings.GetValue(query, qrParameter);
            if (qr is not null && qr != "0" && !qr.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                flags |= ClickFlags.QrCode;
            }
        }

        return flags;
    }

    private static ClickFlags PurposeFlags(StringValues values)
    {
        if (values.Count == 0)
        {
            return ClickFlags.None;
        }

        ReadOnlySpan<char> value = values[0];
        if (value.Contains("prerender", StringComparison.OrdinalIgnoreCase))
        {
            return ClickFlags.Prerender;
        }

        return value.Contains("prefetch", StringComparison.OrdinalIgnoreCase) || value.Contains("preview", StringComparison.OrdinalIgnoreCase)
            ? ClickFlags.Prefetch
            : ClickFlags.None;
    }

    /// <summary>The header as one string; joining only happens for the rare repeated header.</summary>
    private static string? Single(StringValues values) => values.Count switch
    {
        0 => null,
        1 => values[0],
        _ => values.ToString(),
    };

    /// <summary>Empty becomes null; longer than <paramref name="max"/> is cut (never between the halves of a surrogate pair).</summary>
    internal static string? Cap(string? value, int max)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (value.Length <= max)
        {
            return value;
        }

        int length = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        return value[..length];
    }
}

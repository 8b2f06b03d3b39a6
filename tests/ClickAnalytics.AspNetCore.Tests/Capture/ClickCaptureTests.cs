using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.AspNetCore.Tests.Support;
using ClickAnalytics.Buffering;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.AspNetCore.Tests.Capture;

public class ClickCaptureTests
{
    [Test]
    public async Task A_tracked_redirect_keeps_its_status_and_location_and_records_the_click()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer);

        HttpContext response = await host.SendAsync("/abc?utm_source=Newsletter&qr=1", r =>
        {
            r.Headers.UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0";
            r.Headers.Referer = "https://news.example.org/post";
            r.Headers.AcceptLanguage = "de-CH,de;q=0.9";
        });

        ClickEvent click = buffer.Clicks.Single();
        Assert.Multiple(() =>
        {
            Assert.That(response.Response.StatusCode, Is.EqualTo(302));
            Assert.That(response.Response.Headers.Location.ToString(), Is.EqualTo("https://example.com/abc?utm_source=dest"));
            Assert.That(click.LinkId, Is.EqualTo("abc"));
            Assert.That(click.Timestamp, Is.EqualTo(CaptureHost.Now));
            Assert.That(click.ClientIp, Is.EqualTo(IPAddress.Parse("198.51.100.20")));
            Assert.That(click.UserAgent, Is.EqualTo("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"));
            Assert.That(click.Referer, Is.EqualTo("https://news.example.org/post"));
            Assert.That(click.AcceptLanguage, Is.EqualTo("de-CH,de;q=0.9"));
            Assert.That(click.QueryString, Is.EqualTo("?utm_source=Newsletter&qr=1"));
            Assert.That(click.DestinationUrl, Is.EqualTo("https://example.com/abc?utm_source=dest"));
            Assert.That(click.Flags, Is.EqualTo(ClickFlags.QrCode));
            Assert.That(click.EventId.Version, Is.EqualTo(7));
        });
    }

    [Test]
    public async Task Two_requests_never_share_an_event_id()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer);
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => host.SendAsync("/abc")));
        Assert.That(buffer.Clicks.Select(c => c.EventId).Distinct().Count(), Is.EqualTo(200));
    }

    [Test]
    public async Task Head_requests_and_prefetch_hints_are_flagged()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer);

        await host.SendAsync("/a", method: "HEAD");
        await host.SendAsync("/b", r => r.Headers["Sec-Purpose"] = "prefetch");
        await host.SendAsync("/c", r => r.Headers["Sec-Purpose"] = "prefetch;prerender");
        await host.SendAsync("/d", r => r.Headers["Purpose"] = "prefetch");
        await host.SendAsync("/e");

        Dictionary<string, ClickFlags> flags = buffer.Clicks.ToDictionary(c => c.LinkId, c => c.Flags);
        Assert.That(flags, Is.EqualTo(new Dictionary<string, ClickFlags>
        {
            ["a"] = ClickFlags.HeadRequest,
            ["b"] = ClickFlags.Prefetch,
            ["c"] = ClickFlags.Prerender,
            ["d"] = ClickFlags.Prefetch,
            ["e"] = ClickFlags.None,
        }));
    }

    [Test]
    public async Task Giant_headers_are_capped()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer);
        string userAgent = "Mozilla/5.0 " + new string('x', 64 * 1024);
        string referer = "https://example.org/?" + new string('q', 10_000);

        HttpContext response = await host.SendAsync("/abc", r =>
        {
            r.Headers.UserAgent = userAgent;
            r.Headers.Referer = referer;
        });

        ClickEvent click = buffer.Clicks.Single();
        Assert.Multiple(() =>
        {
            Assert.That(response.Response.StatusCode, Is.EqualTo(302));
            Assert.That(click.UserAgent, Has.Length.EqualTo(1024));
            Assert.That(userAgent, Does.StartWith(click.UserAgent!));
            Assert.That(click.Referer, Has.Length.EqualTo(2048));
        });
    }

    [Test]
    public async Task Capture_options_configured_in_code_take_effect()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer, services: s => s.Configure<ClickCaptureOptions>(o =>
        {
            o.MaxUserAgentLength = 40;
            o.QrCodeParameter = "scan";
        }));

        await host.SendAsync("/abc?scan=1", r => r.Headers.UserAgent = "Mozilla/5.0 " + new string('x', 500));

        ClickEvent click = buffer.Clicks.Single();
        Assert.Multiple(() =>
        {
            Assert.That(click.UserAgent, Has.Length.EqualTo(40));
            Assert.That(click.Flags & ClickFlags.QrCode, Is.EqualTo(ClickFlags.QrCode));
        });
    }

    [Test]
    public async Task A_bad_capture_option_fails_the_host_start_with_its_name()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            CaptureHost.StartAsync(services: s => s.Configure<ClickCaptureOptions>(o => o.MaxUserAgentLength = 1)));

        Assert.That(error!.Message, Does.Contain(nameof(ClickCaptureOptions.MaxUserAgentLength)));
    }

    [Test]
    public void Capping_never_splits_a_surrogate_pair()
    {
        string value = new string('a', 9) + "\U0001F600" + "tail";
        string? capped = ClickAnalytics.AspNetCore.Capture.ClickCapture.Cap(value, 10);
        Assert.That(capped, Is.EqualTo(new string('a', 9)));
    }

    [Test]
    public async Task Binary_headers_do_not_break_the_redirect()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer);

        HttpContext response = await host.SendAsync("/abc", r =>
        {
            r.Headers.UserAgent = "\u0000\u0001\u00ff\ufffd";
            r.Headers.Referer = "\u0000javascript:alert(1)";
        });

        Assert.Multiple(() =>
        {
            Assert.That(response.Response.StatusCode, Is.EqualTo(302));
            Assert.That(buffer.Clicks.Single().UserAgent, Is.EqualTo("\ufffd\ufffd\u00ff\ufffd"), "controls are replaced, other characters kept");
        });
    }

    [Test]
    public async Task Non_redirect_responses_are_not_clicks_unless_configured()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer);

        HttpContext notFound = await host.SendAsync("/missing");
        HttpContext page = await host.SendAsync("/page/abc");

        Assert.Multiple(() =>
        {
            Assert.That(notFound.Response.StatusCode, Is.EqualTo(404));
            Assert.That(page.Response.StatusCode, Is.EqualTo(200));
            Assert.That(buffer.Clicks, Is.Empty);
        });
    }

    [Test]
    public async Task Link_tenant_and_tags_can_come_from_delegates()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer, tracking: t =>
        {
            t.LinkId = c => "link-" + c.Request.RouteValues["code"];
            t.TenantId = c => c.Request.Headers["X-Tenant"];
            t.Tags = _ => new Dictionary<string, string> { ["plan"] = "pro" };
        });

        await host.SendAsync("/abc", r => r.Headers["X-Tenant"] = "acme");

        ClickEvent click = buffer.Clicks.Single();
        Assert.Multiple(() =>
        {
            Assert.That(click.LinkId, Is.EqualTo("link-abc"));
            Assert.That(click.TenantId, Is.EqualTo("acme"));
            Assert.That(click.Tags!["plan"], Is.EqualTo("pro"));
        });
    }

    [Test]
    public async Task A_throwing_delegate_is_counted_and_the_redirect_still_goes_out()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer, tracking: t => t.TenantId = _ => throw new InvalidOperationException("host bug"));

        HttpContext response = await host.SendAsync("/abc");

        Assert.Multiple(() =>
        {
            Assert.That(response.Response.StatusCode, Is.EqualTo(302));
            Assert.That(buffer.Clicks, Is.Empty);
            Assert.That(host.Dropped.GetMeasurementSnapshot().Single().Tags["reason"], Is.EqualTo("capture_error"));
        });
    }

    [Test]
    public async Task A_full_buffer_still_gives_the_redirect_and_counts_the_drop()
    {
        await using var host = await CaptureHost.StartAsync(configure: o =>
        {
            o.BufferCapacity = 2;
            o.BufferFullMode = BufferFullMode.DropNewest;
        });

        HttpContext[] responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => host.SendAsync("/abc")));

        Assert.Multiple(() =>
        {
            Assert.That(responses.Select(r => r.Response.StatusCode), Is.All.EqualTo(302));
            Assert.That(responses.Select(r => r.Response.Headers.Location.ToString()), Is.All.EqualTo("https://example.com/abc?utm_source=dest"));
            Assert.That(host.Services.GetRequiredService<IClickBufferReader>().Count, Is.EqualTo(2));
            Assert.That(host.Dropped.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == "buffer_full").Sum(m => m.Value), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task A_throwing_buffer_still_gives_the_redirect_and_counts_the_drop()
    {
        await using var host = await CaptureHost.StartAsync(new ThrowingBuffer());

        HttpContext response = await host.SendAsync("/abc");

        Assert.Multiple(() =>
        {
            Assert.That(response.Response.StatusCode, Is.EqualTo(302));
            Assert.That(response.Response.Headers.Location.ToString(), Is.EqualTo("https://example.com/abc?utm_source=dest"));
            Assert.That(host.Dropped.GetMeasurementSnapshot().Single().Tags["reason"], Is.EqualTo("buffer_error"));
        });
    }

    [Test]
    public async Task X_forwarded_for_is_believed_only_from_a_trusted_proxy()
    {
        var buffer = new RecordingBuffer();
        var proxy = IPAddress.Parse("10.0.0.5");
        await using var host = await CaptureHost.StartAsync(buffer, trustedProxy: proxy);

        await host.SendAsync("/trusted", r => r.Headers["X-Forwarded-For"] = "203.0.113.50", remote: proxy);
        await host.SendAsync("/forged", r => r.Headers["X-Forwarded-For"] = "203.0.113.50", remote: IPAddress.Parse("198.51.100.99"));
        await host.SendAsync("/garbage", r => r.Headers["X-Forwarded-For"] = "not-an-ip, <script>", remote: proxy);

        Dictionary<string, IPAddress?> ips = buffer.Clicks.ToDictionary(c => c.LinkId, c => c.ClientIp);
        Assert.Multiple(() =>
        {
            Assert.That(ips["trusted"], Is.EqualTo(IPAddress.Parse("203.0.113.50")));
            Assert.That(ips["forged"], Is.EqualTo(IPAddress.Parse("198.51.100.99")));
            Assert.That(ips["garbage"], Is.EqualTo(proxy));
        });
    }
    [Test]
    public async Task Control_characters_and_text_reordering_marks_in_headers_are_stored_as_replacement_marks()
    {
        var buffer = new RecordingBuffer();
        await using var host = await CaptureHost.StartAsync(buffer);

        await host.SendAsync("/abc", r =>
        {
            r.Headers.UserAgent = "Mozilla/5.0 \u001b[31mred\u001b[0m \u009b2J bell\u0007";
            r.Headers.Referer = "https://evil.example/\u202Egnp.exe\u007F";
            r.Headers.AcceptLanguage = "de\u0008\u0008en";
        });
        await host.SendAsync("/plain", r => r.Headers.UserAgent = "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36 – ünïcödé 東京");

        Dictionary<string, ClickEvent> clicks = buffer.Clicks.ToDictionary(c => c.LinkId);
        Assert.Multiple(() =>
        {
            Assert.That(clicks["abc"].UserAgent, Is.EqualTo("Mozilla/5.0 \uFFFD[31mred\uFFFD[0m \uFFFD2J bell\uFFFD"));
            Assert.That(clicks["abc"].Referer, Is.EqualTo("https://evil.example/\uFFFDgnp.exe\uFFFD"));
            Assert.That(clicks["abc"].AcceptLanguage, Is.EqualTo("de\uFFFD\uFFFDen"));
            Assert.That(clicks["plain"].UserAgent, Is.EqualTo("Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36 – ünïcödé 東京"), "other text is kept as it is");
        });
    }

    [TestCase("fe80::1%1", "fe80::1")]
    [TestCase("fe80::abcd%lo", "fe80::abcd")]
    [TestCase("2001:db8::7", "2001:db8::7")]
    [TestCase("203.0.113.9", "203.0.113.9")]
    public async Task An_IPv6_zone_index_is_not_part_of_the_stored_address(string forwarded, string stored)
    {
        var buffer = new RecordingBuffer();
        var proxy = IPAddress.Parse("10.0.0.5");
        await using var host = await CaptureHost.StartAsync(buffer, trustedProxy: proxy);

        await host.SendAsync("/abc", r => r.Headers["X-Forwarded-For"] = forwarded, remote: proxy);

        IPAddress? ip = buffer.Clicks.Single().ClientIp;
        Assert.That(ip?.ToString(), Is.EqualTo(stored));
        Assert.That(ip!.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || ip.ScopeId == 0, Is.True, "no zone left");
    }
}

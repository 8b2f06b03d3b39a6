using System.Linq;
using System.Net;
using System.Threading.Tasks;
using ClickAnalytics.AspNetCore.Capture;
using ClickAnalytics.AspNetCore.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace ClickAnalytics.AspNetCore.Tests.Capture;

/// <summary>The trap of forwarded headers that are not applied is said once at the first tracked click.</summary>
[TestFixture]
public sealed class ForwardedHeadersWarningTests
{
    private static readonly IPAddress Proxy = IPAddress.Parse("198.51.100.20");

    private static async Task<FakeLogRecord[]> WarningsAfterThreeClicksAsync(IPAddress? trustedProxy)
    {
        await using CaptureHost host = await CaptureHost.StartAsync(trustedProxy: trustedProxy, services: s => s.AddFakeLogging());
        for (int i = 0; i < 3; i++)
        {
            await host.SendAsync("/abc", r => r.Headers["X-Forwarded-For"] = "203.0.113." + i, remote: Proxy);
        }

        return host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot()
            .Where(r => r.Id.Id == 501 && r.Category == typeof(ClickCapture).FullName).ToArray();
    }

    [Test]
    public async Task Clicks_that_still_carry_x_forwarded_for_are_warned_about_once_with_what_to_do()
    {
        // The proxy that sends the clicks is not the one the host trusts, so its header is left as it came.
        FakeLogRecord[] warnings = await WarningsAfterThreeClicksAsync(trustedProxy: IPAddress.Parse("10.0.0.5"));

        Assert.That(warnings, Has.Length.EqualTo(1));
        Assert.That(warnings[0].Message, Does.Contain("198.51.100.20").And.Contain("KnownProxies").And.Contain("UseForwardedHeaders"));
    }

    [Test]
    public async Task Clicks_from_a_trusted_proxy_whose_header_was_applied_are_not_warned_about()
    {
        FakeLogRecord[] warnings = await WarningsAfterThreeClicksAsync(trustedProxy: Proxy);

        Assert.That(warnings, Is.Empty);
    }
}

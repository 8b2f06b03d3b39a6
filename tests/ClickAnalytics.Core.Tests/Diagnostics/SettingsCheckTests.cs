using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Core.Tests.Diagnostics;

/// <summary>Settings that binding alone would accept silently or explain badly.</summary>
[TestFixture]
public sealed class SettingsCheckTests
{
    private static IHost Host(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddFakeLogging();
        builder.Services.AddClickAnalytics(o => o.ProcessingEnabled = false);
        return builder.Build();
    }

    [Test]
    public async Task A_wrong_enum_value_stops_the_start_and_lists_the_valid_ones()
    {
        using IHost host = Host(new() { ["ClickAnalytics:BufferFullMode"] = "DropAll" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("ClickAnalytics:BufferFullMode is 'DropAll', which is not one of DropOldest, DropNewest"));
    }

    [Test]
    public async Task Misspelt_and_unused_keys_are_warned_about_at_start_with_the_closest_name_and_known_ones_are_not()
    {
        using IHost host = Host(new()
        {
            ["ClickAnalytics:BatchSize"] = "100",
            ["ClickAnalytics:BufferCapacty"] = "10",
            ["ClickAnalytics:Capture:MaxUserAgentLenght"] = "10",
            ["ClickAnalytics:Capture:MaxRefererLength"] = "100",
            ["ClickAnalytics:Query:CacheEnabled"] = "false",
            ["ClickAnalytics:ClickHouse:ConnectionString"] = "Host=x",
            ["ClickAnalytics:BufferFullMode"] = "dropnewest",
        });

        await host.StartAsync();
        await host.StopAsync();
        string[] warnings = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Where(r => r.Id.Id == 11).Select(r => r.Message).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(warnings, Has.Length.EqualTo(3));
            Assert.That(warnings, Has.Some.Contains("ClickAnalytics:BufferCapacty (did you mean ClickAnalytics:BufferCapacity?)"));
            Assert.That(warnings, Has.Some.Contains("ClickAnalytics:Capture:MaxUserAgentLenght (did you mean ClickAnalytics:Capture:MaxUserAgentLength?)"));
            Assert.That(warnings, Has.Some.Contains("ClickAnalytics:ClickHouse (no registered part of ClickAnalytics reads it)"));
            Assert.That(host.Services.GetRequiredService<IOptions<ClickAnalyticsOptions>>().Value.BufferFullMode, Is.EqualTo(BufferFullMode.DropNewest), "case does not matter");
        });
    }
}

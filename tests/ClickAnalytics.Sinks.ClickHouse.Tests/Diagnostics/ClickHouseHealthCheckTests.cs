using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Diagnostics;

/// <summary>The store's health check, registered by AddClickHouse(), against the real server and a closed port.</summary>
[TestFixture]
public sealed class ClickHouseHealthCheckTests : DatabaseTest
{
    private static async Task<HealthReportEntry> CheckAsync(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddClickAnalytics(o => o.ProcessingEnabled = false).AddClickHouse(o =>
        {
            o.ConnectionString = connectionString;
            o.LegacyServerCompatibility = true;
        });
        await using ServiceProvider provider = services.BuildServiceProvider();
        HealthReport report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("store"));
        return report.Entries["clickanalytics-clickhouse"];
    }

    [Test]
    public async Task The_store_is_healthy_when_the_server_answers()
    {
        HealthReportEntry entry = await CheckAsync(ClickHouseServer.ConnectionString(Database));

        Assert.That(entry.Status, Is.EqualTo(HealthStatus.Healthy), entry.Description);
    }

    [Test]
    public async Task The_store_is_unhealthy_with_the_reason_when_nothing_listens()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        HealthReportEntry entry = await CheckAsync($"Host=127.0.0.1;Port={port};Protocol=http;Username=default");

        Assert.Multiple(() =>
        {
            Assert.That(entry.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(entry.Description, Does.StartWith("Store clickhouse does not answer"));
        });
    }
}

/// <summary>A server that is not there stops the host's start with a message that names the store and its options.</summary>
[TestFixture]
public sealed class ClickHouseStartFailureTests
{
    [Test]
    public async Task A_server_that_is_down_at_start_names_the_store_the_step_and_the_options()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddClickAnalytics().AddClickHouse(o =>
        {
            o.ConnectionString = $"Host=127.0.0.1;Port={port};Protocol=http;Username=default";
            o.LegacyServerCompatibility = true;
        });
        using Microsoft.Extensions.Hosting.IHost host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("The clickhouse store could not start").And.Contain("ClickAnalytics:ClickHouse").And.Contain("schema"));
    }
}

using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ClickAnalytics.Sinks.Redis.Tests.Support;

/// <summary>The redis-server eng/test.sh starts; tests fail (never skip) when it is missing.</summary>
internal static class RedisTestServer
{
    public static string Configuration
    {
        get
        {
            string? value = Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_REDIS");
            if (string.IsNullOrEmpty(value))
            {
                Assert.Fail("CLICKANALYTICS_TEST_REDIS is not set. Run the tests through eng/test.sh, which installs redis-server (apt) and starts it on loopback.");
            }

            return value!;
        }
    }

    public static async Task<ConnectionMultiplexer> ConnectAsync(string? configuration = null)
    {
        configuration ??= Configuration;
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration + ",connectTimeout=5000,abortConnect=true,allowAdmin=true");
        }
        catch (RedisConnectionException ex)
        {
            Assert.Fail($"Redis at {configuration} is not reachable ({ex.Message}). eng/test.sh starts it; was it stopped?");
            throw;
        }

        return multiplexer;
    }

    public static string UniqueStream(string name) => $"test:{name}:{Guid.NewGuid():N}";
}

/// <summary>A redis-server of a test's own (restart, memory), on a free loopback port.</summary>
internal sealed class OwnRedisServer : IAsyncDisposable
{
    private Process? _process;

    private OwnRedisServer(int port) => Port = port;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<OwnRedisServer> StartAsync()
    {
        var server = new OwnRedisServer(FreePort());
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        string? path = Environment.GetEnvironmentVariable("CLICKANALYTICS_TEST_REDIS_SERVER");
        if (string.IsNullOrEmpty(path))
        {
            Assert.Fail("CLICKANALYTICS_TEST_REDIS_SERVER is not set. Run the tests through eng/test.sh, which installs redis-server and names its path.");
        }

        var start = new ProcessStartInfo(path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Wait.UntilAsync(async () =>
        {
            try
            {
                await using ConnectionMultiplexer probe = await ConnectionMultiplexer.ConnectAsync(Configuration + ",connectTimeout=500,abortConnect=true");
                return true;
            }
            catch (RedisConnectionException)
            {
                return false;
            }
        }, $"redis-server on port {Port} did not answer");
    }

    /// <summary>Kills the server the hard way; nothing is saved.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;

namespace ClickAnalytics.Sinks.Redis.Tests.Support;

/// <summary>A worker process (tests/ClickAnalytics.Sinks.Redis.TestConsumer) that stores event ids in a file.</summary>
internal sealed class ConsumerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ConsumerProcess(Process process, string outputFile)
    {
        _process = process;
        OutputFile = outputFile;
    }

    public string OutputFile { get; }

    public static async Task<ConsumerProcess> StartAsync(string redis, string stream, int sinkDelayMs, int batchSize, int claimIdleMs, int? stallAfterBatches = null)
    {
        string output = Path.Combine(Path.GetTempPath(), $"clickanalytics-consumer-{Guid.NewGuid():N}.txt");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ConsumerAssembly());
        foreach (string arg in new[] { redis, stream, "clickanalytics", output, sinkDelayMs.ToString(CultureInfo.InvariantCulture), batchSize.ToString(CultureInfo.InvariantCulture), claimIdleMs.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        if (stallAfterBatches is int stall)
        {
            start.ArgumentList.Add(stall.ToString(CultureInfo.InvariantCulture));
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("The consumer process did not start.");
        var consumer = new ConsumerProcess(process, output);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("consumer ready", StringComparison.Ordinal) == true)
            {
                consumer._ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += static (_, e) =>
        {
            if (e.Data is not null)
            {
                TestContext.Progress.WriteLine("consumer: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Wait.UntilAsync(() => consumer._ready.Task.IsCompleted || process.HasExited, "the consumer process starts");
        Assert.That(process.HasExited, Is.False, "the consumer process exited at start");
        return consumer;
    }

    /// <summary>Event ids the process stored; a line cut short by a kill is not one.</summary>
    public HashSet<Guid> StoredIds()
    {
        var ids = new HashSet<Guid>();
        if (!File.Exists(OutputFile))
        {
            return ids;
        }

        using var stream = new FileStream(OutputFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 32 && Guid.TryParseExact(line, "N", out Guid id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>kill -9.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        File.Delete(OutputFile);
    }

    private static string ConsumerAssembly()
    {
        // tests/<this project>/bin/<configuration>/<tfm>/ → tests/ClickAnalytics.Sinks.Redis.TestConsumer/bin/<configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = here.Name;
        string configuration = here.Parent!.Name;
        DirectoryInfo tests = here.Parent.Parent!.Parent!.Parent!;
        string path = Path.Combine(tests.FullName, "ClickAnalytics.Sinks.Redis.TestConsumer", "bin", configuration, tfm, "ClickAnalytics.Sinks.Redis.TestConsumer.dll");
        if (!File.Exists(path))
        {
            Assert.Fail($"The test consumer is not built at {path}; build tests/ClickAnalytics.Sinks.Redis.TestConsumer.");
        }

        return path;
    }
}

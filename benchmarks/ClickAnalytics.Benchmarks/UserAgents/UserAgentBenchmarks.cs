using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Benchmarks.UserAgents;

/// <summary>
/// Uncached parsing of the test_ua corpus: the filtered engine against the sequential first-match
/// baseline over the same rules and the same regex options (compiled, no timeout, so neither side
/// gives up early), side by side in one run. The sequential engine needs ~20 ms per string here,
/// so both parse every 10th corpus string (143 strings, from every part of the file) per operation;
/// results are per string.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class UserAgentEngineBenchmarks
{
    private const int Stride = 10;
    private const int SampleSize = 143;

    private string[] _agents = [];
    private UserAgentEngine _engine = null!;
    private SequentialUserAgentEngine _sequential = null!;

    private static RegexSettings Settings => new(RegexOptions.Compiled, Regex.InfiniteMatchTimeout, NonBacktracking: false);

    [GlobalSetup(Target = nameof(Filtered))]
    public void SetupFiltered()
    {
        LoadSample();
        _engine = new UserAgentEngine(UapRules.LoadEmbedded(), BotRules.Explicit(), BotRules.LoadCrawlers(), Settings, maxLength: 1_024);
        _engine.CompileAll();
        foreach (string ua in _agents)
        {
            _ = _engine.Parse(ua);
        }
    }

    [GlobalSetup(Target = nameof(Sequential))]
    public void SetupSequential()
    {
        LoadSample();
        _sequential = new SequentialUserAgentEngine(UapRules.LoadEmbedded(), [.. BotRules.Explicit(), .. BotRules.LoadCrawlers()], Settings);
        foreach (string ua in _agents)
        {
            _ = _sequential.Parse(ua);
        }
    }

    private void LoadSample()
    {
        List<string> corpus = UserAgentCorpus.Load();
        var sample = new List<string>();
        for (int i = 0; i < corpus.Count; i += Stride)
        {
            sample.Add(corpus[i]);
        }

        if (sample.Count != SampleSize)
        {
            throw new InvalidOperationException($"expected {SampleSize} sampled strings from test_ua.yaml, got {sample.Count}");
        }

        _agents = [.. sample];
    }

    [Benchmark(OperationsPerInvoke = SampleSize)]
    public int Filtered()
    {
        int sum = 0;
        foreach (string ua in _agents)
        {
            sum += _engine.Parse(ua).BrowserFamily.Length;
        }

        return sum;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = SampleSize)]
    public int Sequential()
    {
        int sum = 0;
        foreach (string ua in _agents)
        {
            sum += _sequential.Parse(ua).Browser.Length;
        }

        return sum;
    }
}

/// <summary>The cached path: the same string again (a hit), and an uncached parse of one common string for scale.</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class UserAgentCacheBenchmarks
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    private const string Iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1";

    private UserAgentParser _cached = null!;
    private UserAgentParser _uncached = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cached = new UserAgentParser(new UserAgentOptions { CacheSize = 10_000 });
        _uncached = new UserAgentParser(new UserAgentOptions { CacheSize = 0 });
        _ = _cached.Parse(Chrome);
        _ = _cached.Parse(Iphone);
        _ = _uncached.Parse(Chrome);
    }

    [Benchmark]
    public UserAgentInfo CacheHitChrome() => _cached.Parse(Chrome);

    [Benchmark]
    public UserAgentInfo CacheHitIphone() => _cached.Parse(Iphone);

    [Benchmark]
    public UserAgentInfo UncachedChrome() => _uncached.Parse(Chrome);
}

/// <summary>
/// Start-up: loading the embedded rules and building the prefilter (regexes compile lazily, on
/// first use), and the same plus compiling every regex up front.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class UserAgentStartupBenchmarks
{
    [Benchmark(Baseline = true)]
    public UserAgentParser LoadRulesAndPrefilter() => new(new UserAgentOptions());

    [Benchmark]
    public UserAgentParser LoadAndCompileEveryRegex()
    {
        var parser = new UserAgentParser(new UserAgentOptions());
        parser.Engine.CompileAll();
        return parser;
    }
}

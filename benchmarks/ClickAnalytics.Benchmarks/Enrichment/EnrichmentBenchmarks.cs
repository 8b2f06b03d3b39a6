using System.Collections.Generic;
using System.Threading;
using BenchmarkDotNet.Attributes;
using ClickAnalytics.Enrichment;

namespace ClickAnalytics.Benchmarks.Enrichment;

/// <summary>
/// Full enrichment of a realistic 1 000-click batch on one thread, caches warm: every stage that
/// <c>AddClickAnalytics()</c> registers, in order. Reported per click, so clicks/s per core is
/// 1e9 / Mean(ns).
/// </summary>
[MemoryDiagnoser]
public class EnrichmentBenchmarks
{
    private EnrichmentWorkload _workload = null!;
    private List<EnrichedClick> _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _workload = new EnrichmentWorkload();
        // Warm every cache (user agents, languages, repeat store, visitor key) before measuring.
        _batch = _workload.NewBatch();
        FullEnrichment();
    }

    [GlobalCleanup]
    public void Cleanup() => _workload.Dispose();

    [Benchmark(OperationsPerInvoke = EnrichmentWorkload.BatchSize, Description = "all registered stages, per click")]
    public void FullEnrichment()
    {
        List<EnrichedClick> batch = _workload.NewBatch();
        foreach (IClickEnricher stage in _workload.Stages)
        {
            stage.EnrichAsync(batch, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        _batch = batch;
    }
}

/// <summary>Each registered stage alone on the same batch, to see where the time goes.</summary>
[MemoryDiagnoser]
public class EnrichmentStageBenchmarks
{
    private EnrichmentWorkload _workload = null!;
    private List<EnrichedClick> _batch = null!;
    private IClickEnricher _stage = null!;

    [ParamsSource(nameof(StageNames))]
    public string Stage { get; set; } = "";

    public static IEnumerable<string> StageNames()
    {
        using var workload = new EnrichmentWorkload();
        foreach (IClickEnricher stage in workload.Stages)
        {
            yield return stage.Name;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _workload = new EnrichmentWorkload();
        _batch = _workload.NewBatch();
        // Earlier stages fill what later ones read (the visitor id for repeats).
        foreach (IClickEnricher stage in _workload.Stages)
        {
            stage.EnrichAsync(_batch, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (stage.Name == Stage)
            {
                _stage = stage;
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _workload.Dispose();

    [Benchmark(OperationsPerInvoke = EnrichmentWorkload.BatchSize, Description = "one stage, per click")]
    public void OneStage() => _stage.EnrichAsync(_batch, CancellationToken.None).AsTask().GetAwaiter().GetResult();
}

/// <summary>
/// The two user-agent stages (the bot verdict, then browser, OS and device) on new clicks of the
/// same batch, as the processor runs them; the cache is warm, so this is their cost per click on
/// the cached path.
/// </summary>
[MemoryDiagnoser]
public class UserAgentStagesBenchmarks
{
    private EnrichmentWorkload _workload = null!;
    private IClickEnricher[] _stages = null!;

    [GlobalSetup]
    public void Setup()
    {
        _workload = new EnrichmentWorkload();
        _stages = System.Array.FindAll(_workload.Stages, stage => stage.Name is "bot" or "user-agent");
        if (_stages.Length != 2)
        {
            throw new System.InvalidOperationException("Both user-agent stages must be registered.");
        }

        UserAgentStages();
    }

    [GlobalCleanup]
    public void Cleanup() => _workload.Dispose();

    [Benchmark(OperationsPerInvoke = EnrichmentWorkload.BatchSize, Description = "bot + user-agent stages, per click")]
    public List<EnrichedClick> UserAgentStages()
    {
        List<EnrichedClick> batch = _workload.NewBatch();
        foreach (IClickEnricher stage in _stages)
        {
            stage.EnrichAsync(batch, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        return batch;
    }
}

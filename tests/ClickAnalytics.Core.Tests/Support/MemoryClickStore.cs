using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Querying;
using ClickAnalytics.Storage;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Core.Tests.Support;

/// <summary>
/// A store that keeps its clicks in memory: enough of a store to be registered, chosen and
/// initialized like a real one, and to show that the store contract suite asks nothing a store
/// cannot do. It counts from the stored values, not from the clicks it was given.
/// </summary>
internal class MemoryClickStore(string name) : IClickStore, IClickQueries
{
    private static readonly int Date = Index("date"), Tenant = Index("tenant_id"), Link = Index("link_id"), Bot = Index("is_bot"), Repeat = Index("is_repeat");

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, StoredClick> _clicks = [];
    private readonly HashSet<string> _dimensions = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public IClickQueries Queries => this;

    /// <summary>How often <see cref="InitializeAsync"/> ran.</summary>
    public int Initializations { get; private set; }

    public ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        Initializations++;
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _dimensions.UnionWith(CustomDimensions.Missing(clicks, _dimensions));
            foreach (EnrichedClick click in clicks)
            {
                if (!_clicks.ContainsKey(click.Click.EventId))
                {
                    _clicks[click.Click.EventId] = new StoredClick(
                        ClickSchema.Columns.Select(c => c.GetValue(click)).ToArray(),
                        click.Dimensions.ToDictionary());
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public Task<IReadOnlyList<StoredDay>> ListDaysAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<StoredDay>>(
                _clicks.Values.GroupBy(c => (DateOnly)c.Values[Date]).OrderBy(g => g.Key).Select(g => new StoredDay(g.Key, g.Count())).ToList());
        }
    }

    public async IAsyncEnumerable<StoredClick> ReadDayAsync(DateOnly day, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<StoredClick> clicks;
        lock (_lock)
        {
            clicks = _clicks.Values.Where(c => (DateOnly)c.Values[Date] == day)
                .Select(c => new StoredClick(c.Values, _dimensions.ToDictionary(d => d, d => c.Dimensions.GetValueOrDefault(d, ""))))
                .ToList();
        }

        foreach (StoredClick click in clicks)
        {
            await Task.Yield();
            yield return click;
        }
    }

    public Task DropDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (StoredClick click in _clicks.Values.Where(c => (DateOnly)c.Values[Date] == day).ToList())
            {
                _clicks.Remove(click.EventId);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DailyClicks>> GetDailyClicksAsync(ClickQuery query, CancellationToken cancellationToken = default)
    {
        query.Validate();
        Dictionary<DateOnly, long> counts = Counted(query).GroupBy(c => (DateOnly)c.Values[Date]).ToDictionary(g => g.Key, g => (long)g.Count());
        return Task.FromResult(DailyClicks.Densify(query.From, query.To, counts));
    }

    public Task<IReadOnlyList<LinkClicks>> GetLinkTotalsAsync(ClickQuery query, CancellationToken cancellationToken = default)
    {
        query.Validate();
        return Task.FromResult<IReadOnlyList<LinkClicks>>(Counted(query).GroupBy(c => (string)c.Values[Link])
            .Select(g => new LinkClicks(g.Key, g.Count()))
            .OrderByDescending(l => l.Clicks).ThenBy(l => l.LinkId, StringComparer.Ordinal).Take(query.Limit).ToList());
    }

    private List<StoredClick> Counted(ClickQuery query)
    {
        lock (_lock)
        {
            return _clicks.Values.Where(c =>
                (DateOnly)c.Values[Date] >= query.From && (DateOnly)c.Values[Date] <= query.To
                && (query.TenantId is null || (string)c.Values[Tenant] == query.TenantId)
                && (query.LinkId is null || (string)c.Values[Link] == query.LinkId)
                && (query.IncludeBots || !(bool)c.Values[Bot])
                && (query.IncludeRepeats || !(bool)c.Values[Repeat])).ToList();
        }
    }

    private static int Index(string column) => ClickSchema.Columns.ToList().FindIndex(c => c.Name == column);
}

/// <summary>Options of the test stores, checked at start like a real store's.</summary>
internal sealed class TestStoreOptions
{
    [System.ComponentModel.DataAnnotations.Range(1, 10)]
    public int Level { get; set; } = 1;
}

[OptionsValidator]
internal sealed partial class TestStoreOptionsValidator : IValidateOptions<TestStoreOptions>;

/// <summary>A memory store registered as <c>first</c>, with its options.</summary>
internal sealed class FirstTestStore(IOptions<TestStoreOptions> options) : MemoryClickStore("first")
{
    public int Level { get; } = options.Value.Level;
}

/// <summary>A second memory store, <c>second</c>, for hosts with two stores.</summary>
internal sealed class SecondTestStore() : MemoryClickStore("second");

/// <summary>Options of <see cref="SecondTestStore"/>.</summary>
internal sealed class SecondTestStoreOptions;

internal sealed class SecondTestStoreOptionsValidator : IValidateOptions<SecondTestStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SecondTestStoreOptions options) => ValidateOptionsResult.Success;
}

using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.ClickHouse.Tests.Support;
using ClickAnalytics.Storage;
using ClickAnalytics.Testing.Storage;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Storage;

/// <summary>The store contract on the real ClickHouse server that eng/test.sh starts, each store on a fresh database.</summary>
public class ClickHouseStoreContractTests : ClickStoreContractTests
{
    private readonly List<ClickHouseStore> _stores = [];
    private readonly List<string> _databases = [];
    private TimeSpan _precision = TimeSpan.FromMilliseconds(1);

    /// <summary>Milliseconds where the server has DateTime64; whole seconds before it (18.16).</summary>
    protected override TimeSpan TimestampPrecision => _precision;

    protected override async Task<IClickStore> CreateStoreAsync()
    {
        string database = await ClickHouseServer.CreateDatabaseAsync();
        _databases.Add(database);
        ClickHouseStore store = await OpenAsync(database);
        _precision = store.Database.Schema.Features.DateTime64 ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromSeconds(1);
        return store.Store;
    }

    /// <summary>A second process on the same database: ClickHouse is shared by every process that writes to it.</summary>
    protected override async Task<IClickStore> CreateSecondWriterAsync(IClickStore store) => (await OpenAsync(_databases[^1])).Store;

    protected override async Task CleanUpAsync()
    {
        foreach (ClickHouseStore store in _stores)
        {
            await store.DisposeAsync();
        }

        foreach (string database in _databases)
        {
            await ClickHouseServer.DropDatabaseAsync(database);
        }

        _stores.Clear();
        _databases.Clear();
    }

    private async Task<ClickHouseStore> OpenAsync(string database)
    {
        var store = new ClickHouseStore(database);
        _stores.Add(store);
        await store.Store.InitializeAsync(CancellationToken.None);
        return store;
    }
}

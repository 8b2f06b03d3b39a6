using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.DuckDb.Tests.Support;
using ClickAnalytics.Storage;
using ClickAnalytics.Testing.Storage;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Storage;

/// <summary>The store contract on a real DuckDB file in a temporary folder, one file per test.</summary>
public class DuckDbStoreContractTests : ClickStoreContractTests
{
    private readonly List<DuckDbStore> _stores = [];

    protected override async Task<IClickStore> CreateStoreAsync()
    {
        var store = new DuckDbStore(DuckDbStore.TempPath());
        _stores.Add(store);
        await store.Store.InitializeAsync(CancellationToken.None);
        return store.Store;
    }

    protected override async Task CleanUpAsync()
    {
        foreach (DuckDbStore store in _stores)
        {
            await store.DisposeAsync();
            DuckDbStore.DeleteFolderOf(store.Path);
        }

        _stores.Clear();
    }
}

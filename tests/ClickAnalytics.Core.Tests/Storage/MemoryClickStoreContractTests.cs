using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Storage;
using ClickAnalytics.Testing.Storage;

namespace ClickAnalytics.Core.Tests.Storage;

/// <summary>The store contract suite on a store with no database at all: it asks nothing a store cannot do.</summary>
public class MemoryClickStoreContractTests : ClickStoreContractTests
{
    protected override Task<IClickStore> CreateStoreAsync() => Task.FromResult<IClickStore>(new MemoryClickStore("memory"));

    protected override Task CleanUpAsync() => Task.CompletedTask;

    protected override bool KeepsRollups => false;
}

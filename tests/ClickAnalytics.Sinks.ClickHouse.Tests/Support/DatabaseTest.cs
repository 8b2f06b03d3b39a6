using System.Threading.Tasks;

namespace ClickAnalytics.Sinks.ClickHouse.Tests.Support;

/// <summary>Gives every test an empty database of its own on the test server, dropped afterwards.</summary>
public abstract class DatabaseTest
{
    protected string Database { get; private set; } = "";

    [SetUp]
    public async Task CreateDatabase() => Database = await ClickHouseServer.CreateDatabaseAsync();

    [TearDown]
    public async Task DropDatabase() => await ClickHouseServer.DropDatabaseAsync(Database);
}

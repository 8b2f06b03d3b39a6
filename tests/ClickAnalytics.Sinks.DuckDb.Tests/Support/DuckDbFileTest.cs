using System;

namespace ClickAnalytics.Sinks.DuckDb.Tests.Support;

/// <summary>A test on a DuckDB file of its own, in a temporary folder removed afterwards.</summary>
public abstract class DuckDbFileTest
{
    /// <summary>The morning the test clicks happen on.</summary>
    protected static readonly DateTimeOffset Day1 = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The test's database file (its folder does not exist until the store creates it).</summary>
    protected string _path = null!;

    [SetUp]
    public void CreatePath() => _path = DuckDbStore.TempPath();

    [TearDown]
    public void DeleteFolder() => DuckDbStore.DeleteFolderOf(_path);
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// Owns the database file: one write connection (DuckDB connections are not thread-safe, so writes
/// take turns), the schema, and the set of custom dimension columns. Readers get their own
/// connections to the same in-process database.
/// </summary>
internal sealed class DuckDbDatabase : IDisposable
{
    private readonly string _path;
    private readonly string _checkpointThreshold;
    private readonly int _rememberedDimensionRows;
    private readonly int _threads;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _dimensionColumns = new(StringComparer.Ordinal);
    private DuckDBConnection? _connection;
    private bool _disposed;

    public DuckDbDatabase(IOptions<DuckDbOptions> options)
    {
        _path = System.IO.Path.GetFullPath(options.Value.Path);
        _checkpointThreshold = options.Value.CheckpointThreshold;
        _rememberedDimensionRows = options.Value.RememberedDimensionRows;
        _threads = options.Value.Threads;
    }

    public string Path => _path;

    private string ConnectionString => $"Data Source={_path}";

    /// <summary>Custom dimension columns in table order, after the fixed columns of <see cref="DuckDbLayout.EventsTable"/>.</summary>
    public List<string> DimensionColumns { get; } = [];

    /// <summary>Runs <paramref name="work"/> alone on the write connection, opening the database and schema on first use.</summary>
    public async Task<T> WithWriteConnectionAsync<T>(Func<DuckDBConnection, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _connection ??= Open();
            return work(_connection);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new connection for reading; the caller disposes it.</summary>
    public async Task<DuckDBConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _connection ??= Open();
            // DuckDB.NET shares one database instance between connections to the same file in a process.
            var reader = new DuckDBConnection(ConnectionString);
            reader.Open();
            return reader;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The dimension tables' keys, loaded when the database opens; used on the write connection only.</summary>
    public IReadOnlyList<DimensionKeys> DimensionKeys { get; private set; } = [];

    /// <summary>Adds a column for every dimension in the batch that the table does not have yet.</summary>
    public void EnsureDimensionColumns(DuckDBConnection connection, IReadOnlyList<EnrichedClick> clicks)
    {
        bool added = false;
        for (int i = 0; i < clicks.Count; i++)
        {
            // Most clicks have no custom dimensions; enumerating their (empty) keys would still allocate an enumerator each.
            if (clicks[i].Dimensions.Count == 0)
            {
                continue;
            }

            foreach (string name in clicks[i].Dimensions.Keys)
            {
                if (_dimensionColumns.Contains(name))
                {
                    continue;
                }

                Execute(connection, DuckDbLayout.AddCustomColumnSql(name));
                _dimensionColumns.Add(name);
                DimensionColumns.Add(name);
                added = true;
            }
        }

        if (added)
        {
            Execute(connection, DuckDbLayout.CreateClicksViewSql(DimensionColumns));
        }
    }

    private DuckDBConnection Open()
    {
        string? folder = System.IO.Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        try
        {
            // Validated as a size by DuckDbOptions, so it is safe in the statement (SET takes no parameters).
            Execute(connection, $"SET checkpoint_threshold = '{_checkpointThreshold}'");
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET threads = {_threads}"));
            CreateSchema(connection);
            var keys = new List<DimensionKeys>(DuckDbLayout.Dimensions.Count);
            foreach (DuckDbDimension dimension in DuckDbLayout.Dimensions)
            {
                var dimensionKeys = new DimensionKeys(dimension, _rememberedDimensionRows);
                dimensionKeys.Load(connection);
                keys.Add(dimensionKeys);
            }

            DimensionKeys = keys;
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
    }

    /// <summary>
    /// Creates the tables and the view, in one transaction. A file of an earlier layout is moved into
    /// them first: the single wide <see cref="ClickSchema.ClicksTable"/> table of the first versions
    /// directly, and an earlier <see cref="DuckDbLayout.EventsTable"/> with other dimension tables
    /// (it lacks a column this layout keeps per click) by reading its view into such a wide table
    /// first, so both go through the same statements.
    /// </summary>
    private void CreateSchema(DuckDBConnection connection)
    {
        const string Wide = "clicks_wide";
        Execute(connection, "BEGIN TRANSACTION");
        try
        {
            bool migrate = true;
            if (TableType(connection, ClickSchema.ClicksTable) == "BASE TABLE")
            {
                Execute(connection, $"ALTER TABLE {ClickSchema.ClicksTable} RENAME TO {Wide}");
            }
            else if (IsEarlierEventsTable(connection))
            {
                Execute(connection, $"CREATE TABLE {Wide} AS SELECT * FROM {ClickSchema.ClicksTable}");
                Execute(connection, $"DROP VIEW {ClickSchema.ClicksTable}");
                Execute(connection, $"DROP TABLE {DuckDbLayout.EventsTable}");
                foreach (DuckDbDimension dimension in DuckDbLayout.Dimensions)
                {
                    Execute(connection, $"DROP TABLE IF EXISTS {dimension.Table}");
                }
            }
            else
            {
                migrate = false;
            }

            Execute(connection, DuckDbLayout.CreateEventsTableSql());
            foreach (DuckDbDimension dimension in DuckDbLayout.Dimensions)
            {
                Execute(connection, DuckDbLayout.CreateDimensionTableSql(dimension));
            }

            if (migrate)
            {
                List<string> wideColumns = ColumnNames(connection, Wide);
                List<string> custom = wideColumns.Where(name => !ClickSchema.Columns.Any(c => c.Name == name)).ToList();
                foreach (string name in custom)
                {
                    Execute(connection, DuckDbLayout.AddCustomColumnSql(name));
                }

                foreach (string statement in DuckDbLayout.MigrateFromWideTableSql(Wide, wideColumns.ToHashSet(StringComparer.Ordinal), custom))
                {
                    Execute(connection, statement);
                }

                Execute(connection, $"DROP TABLE {Wide}");
            }

            foreach (string name in ColumnNames(connection, DuckDbLayout.EventsTable))
            {
                if (!DuckDbLayout.FixedEventColumnNames.Contains(name) && _dimensionColumns.Add(name))
                {
                    DimensionColumns.Add(name);
                }
            }

            Execute(connection, DuckDbLayout.CreateClicksViewSql(DimensionColumns));
            Execute(connection, "COMMIT");
        }
        catch
        {
            Execute(connection, "ROLLBACK");
            _dimensionColumns.Clear();
            DimensionColumns.Clear();
            throw;
        }
    }

    /// <summary>Whether <see cref="DuckDbLayout.EventsTable"/> exists without all of this layout's fixed columns.</summary>
    private static bool IsEarlierEventsTable(DuckDBConnection connection)
    {
        List<string> columns = ColumnNames(connection, DuckDbLayout.EventsTable);
        return columns.Count > 0 && !DuckDbLayout.FixedEventColumnNames.All(columns.Contains);
    }

    private static string? TableType(DuckDBConnection connection, string table)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = "SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $table";
        command.Parameters.Add(new DuckDBParameter("table", table));
        return command.ExecuteScalar() as string;
    }

    private static List<string> ColumnNames(DuckDBConnection connection, string table)
    {
        var names = new List<string>();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $table ORDER BY ordinal_position";
        command.Parameters.Add(new DuckDBParameter("table", table));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    internal static void Execute(DuckDBConnection connection, string sql)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _disposed = true;
            _connection?.Dispose();
            _connection = null;
        }
        finally
        {
            _gate.Release();
        }
    }
}

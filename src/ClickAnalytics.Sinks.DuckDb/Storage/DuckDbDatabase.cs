using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.DuckDb.Diagnostics;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// Owns the database file: one write connection (DuckDB connections are not thread-safe, so writes
/// take turns), the schema, and the set of custom dimension columns. Readers get their own
/// connections to the same in-process database. Closing waits for the write in progress without
/// blocking a thread.
/// </summary>
internal sealed class DuckDbDatabase : IAsyncDisposable
{
    private readonly DuckDbOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _knownColumns = new(StringComparer.Ordinal);
    private DuckDBConnection? _connection;
    private bool _disposed;

    public DuckDbDatabase(DuckDbOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        Path = System.IO.Path.GetFullPath(options.Path);
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    private string ConnectionString => $"Data Source={Path}";

    /// <summary>
    /// Custom dimension columns in table order, after the fixed columns of <see cref="DuckDbLayout.EventsTable"/>.
    /// Replaced, never changed, once the view shows a new column, so a reader may take it at any time.
    /// </summary>
    public IReadOnlyList<string> DimensionColumns { get; private set; } = [];

    /// <summary>
    /// The first and the last hour <see cref="DuckDbLayout.RollupTable"/> counts clicks in (null while
    /// no day was dropped): queries over other times need not read it. Read when the database opens,
    /// widened by <see cref="RolledUp"/>.
    /// </summary>
    public (DateTime First, DateTime Last)? RollupHours { get; private set; }

    /// <summary>Records that the rollup now counts clicks from <paramref name="first"/> to <paramref name="last"/> (hours).</summary>
    public void RolledUp(DateTime first, DateTime last) =>
        RollupHours = RollupHours is { } known
            ? (first < known.First ? first : known.First, last > known.Last ? last : known.Last)
            : (first, last);

    /// <summary>The dimension tables' keys, loaded when the database opens; used on the write connection only.</summary>
    public IReadOnlyList<DimensionKeys> DimensionKeys { get; private set; } = [];

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

    /// <summary>Adds a column for every custom dimension in the batch that the table does not have yet; on the write connection.</summary>
    public void EnsureDimensionColumns(DuckDBConnection connection, IReadOnlyList<EnrichedClick> clicks)
    {
        IReadOnlyList<string> missing = CustomDimensions.Missing(clicks, _knownColumns);
        if (missing.Count == 0)
        {
            return;
        }

        var columns = new List<string>(DimensionColumns);
        foreach (string name in missing)
        {
            Execute(connection, DuckDbLayout.AddCustomColumnSql(name));
            columns.Add(name);
            Log.ColumnAdded(_logger, name, Path);
        }

        Execute(connection, DuckDbLayout.CreateClicksViewSql(columns));
        _knownColumns.UnionWith(missing);
        DimensionColumns = columns;
    }

    private DuckDBConnection Open()
    {
        string? folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        try
        {
            // Validated as a size by DuckDbOptionsValidator, so it is safe in the statement (SET takes no parameters).
            Execute(connection, $"SET checkpoint_threshold = '{_options.CheckpointThreshold}'");
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET threads = {_options.Threads}"));
            CreateSchema(connection);
            var keys = new List<DimensionKeys>(DuckDbLayout.Dimensions.Count);
            foreach (DuckDbDimension dimension in DuckDbLayout.Dimensions)
            {
                var dimensionKeys = new DimensionKeys(dimension, _options.RememberedDimensionRows);
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

        Log.Opened(_logger, Path, DimensionColumns.Count);
        return connection;
    }

    /// <summary>Creates the tables and the view, in one transaction, and reads which custom dimension columns the file has.</summary>
    private void CreateSchema(DuckDBConnection connection)
    {
        Execute(connection, "BEGIN TRANSACTION");
        try
        {
            Execute(connection, DuckDbLayout.CreateEventsTableSql());
            foreach (DuckDbDimension dimension in DuckDbLayout.Dimensions)
            {
                Execute(connection, DuckDbLayout.CreateDimensionTableSql(dimension));
            }

            var custom = new List<string>();
            foreach (string name in ColumnNames(connection, DuckDbLayout.EventsTable))
            {
                if (!DuckDbLayout.FixedEventColumnNames.Contains(name))
                {
                    custom.Add(name);
                }
            }

            Execute(connection, DuckDbLayout.CreateClicksViewSql(custom));
            Execute(connection, DuckDbLayout.CreateRollupTableSql());
            Execute(connection, "COMMIT");
            _knownColumns.UnionWith(custom);
            DimensionColumns = custom;
            using DuckDBCommand hours = connection.CreateCommand();
            hours.CommandText = $"SELECT min(hour), max(hour) FROM {DuckDbLayout.RollupTable}";
            using var reader = hours.ExecuteReader();
            RollupHours = reader.Read() && !reader.IsDBNull(0) ? (reader.GetDateTime(0), reader.GetDateTime(1)) : null;
        }
        catch
        {
            Execute(connection, "ROLLBACK");
            throw;
        }
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

    /// <summary>Closes the file (DuckDB checkpoints it) once the write in progress, if any, is done. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
                Log.Closed(_logger, Path);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

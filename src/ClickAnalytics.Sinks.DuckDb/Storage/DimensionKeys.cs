using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// The keys of one dimension table's rows, by their values, so a click finds its key without a
/// query and without allocating. New rows get the next key; they count as stored once the batch's
/// transaction commits (<see cref="Commit"/>) and are forgotten if it rolls back
/// (<see cref="Rollback"/>). The memory is bounded: past <see cref="Limit"/> rows it starts over,
/// and a combination seen again is stored again under a new key, which costs a row, never a wrong
/// value (every click points at exactly one row holding its own values). The row found last is
/// tried first, without hashing: neighbouring clicks often share a dimension's values (a tenant and
/// its flags, a campaign, a referer), and the values parsed from one user agent come from one cached
/// parse, so comparing them mostly compares references.
/// </summary>
internal sealed class DimensionKeys
{
    private readonly DimensionRowComparer _comparer;
    private readonly Dictionary<DimensionRow, uint> _keys;
    private readonly Dictionary<DimensionRow, uint>.AlternateLookup<EnrichedClick> _byClick;
    private readonly List<DimensionRow> _uncommitted = [];
    private uint _next = 1;
    private DimensionRow? _recent;
    private uint _recentKey;

    public DimensionKeys(DuckDbDimension dimension, int limit)
    {
        Dimension = dimension;
        Limit = limit;
        _comparer = new DimensionRowComparer(dimension);
        _keys = new Dictionary<DimensionRow, uint>(_comparer);
        _byClick = _keys.GetAlternateLookup<EnrichedClick>();
    }

    public DuckDbDimension Dimension { get; }

    /// <summary>How many rows are remembered before the memory starts over.</summary>
    public int Limit { get; }

    /// <summary>The key of the row holding <paramref name="click"/>'s values, if one is known.</summary>
    public bool TryGetKey(EnrichedClick click, out uint key)
    {
        if (_recent is not null && _comparer.Equals(click, _recent))
        {
            key = _recentKey;
            return true;
        }

        if (_byClick.TryGetValue(click, out DimensionRow? row, out key))
        {
            _recent = row;
            _recentKey = key;
            return true;
        }

        return false;
    }

    /// <summary>Takes the next key for <paramref name="click"/>'s values, which the caller writes as a new row in this transaction.</summary>
    public uint Add(EnrichedClick click)
    {
        if (_next == uint.MaxValue)
        {
            throw new InvalidOperationException($"The keys of {Dimension.Table} are exhausted.");
        }

        uint key = _next++;
        DimensionRow row = _comparer.Create(click);
        _keys.Add(row, key);
        _uncommitted.Add(row);
        _recent = row;
        _recentKey = key;
        return key;
    }

    public void Commit()
    {
        _uncommitted.Clear();
        if (_keys.Count > Limit)
        {
            _keys.Clear();
            _recent = null;
        }
    }

    /// <summary>Forgets the rows added since the last commit, which the rolled-back transaction did not store.</summary>
    public void Rollback()
    {
        foreach (DimensionRow row in _uncommitted)
        {
            _keys.Remove(row);
        }

        _uncommitted.Clear();
        _recent = null;
    }

    /// <summary>Reads the newest <see cref="Limit"/> rows of the table and the next free key.</summary>
    public void Load(DuckDBConnection connection)
    {
        _keys.Clear();
        _uncommitted.Clear();
        _recent = null;
        using (DuckDBCommand command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT coalesce(max({Dimension.KeyColumn}), 0) FROM {Dimension.Table}";
            _next = Convert.ToUInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) + 1;
        }

        using DuckDBCommand rows = connection.CreateCommand();
        rows.CommandText =
            $"SELECT {Dimension.KeyColumn}, {string.Join(", ", Dimension.Columns.Select(c => c.Name))} " +
            $"FROM {Dimension.Table} ORDER BY {Dimension.KeyColumn} DESC LIMIT {Limit}";
        using var reader = rows.ExecuteReader();
        while (reader.Read())
        {
            var values = new object[Dimension.Columns.Count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = Dimension.Columns[i].Read(reader, i + 1);
            }

            // Newest first: a combination stored twice (after the memory started over) keeps its newest key.
            _keys.TryAdd(new DimensionRow(values), reader.GetFieldValue<uint>(0));
        }
    }
}

/// <summary>One dimension row's values, boxed as <see cref="DuckDbColumn.Read"/> gives them, in column order.</summary>
internal sealed class DimensionRow(object[] values)
{
    public object[] Values { get; } = values;
}

/// <summary>
/// Compares stored rows with each other and with the values a click would store, on every column,
/// with one hash for both over the dimension's <see cref="DuckDbDimension.HashedColumns"/>.
/// </summary>
internal sealed class DimensionRowComparer(DuckDbDimension dimension)
    : IEqualityComparer<DimensionRow>, IAlternateEqualityComparer<EnrichedClick, DimensionRow>
{
    private readonly IReadOnlyList<DuckDbColumn> columns = dimension.Columns;
    private readonly int[] hashed = [.. dimension.HashedColumns];

    public bool Equals(DimensionRow? x, DimensionRow? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        for (int i = 0; i < columns.Count; i++)
        {
            if (!x.Values[i].Equals(y.Values[i]))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(DimensionRow row)
    {
        var hash = new HashCode();
        foreach (int i in hashed)
        {
            hash.Add(row.Values[i]);
        }

        return hash.ToHashCode();
    }

    public bool Equals(EnrichedClick click, DimensionRow row)
    {
        for (int i = 0; i < columns.Count; i++)
        {
            if (!columns[i].HasValue(click, row.Values[i]))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode([DisallowNull] EnrichedClick click)
    {
        var hash = new HashCode();
        foreach (int i in hashed)
        {
            columns[i].AddToHash(ref hash, click);
        }

        return hash.ToHashCode();
    }

    public DimensionRow Create(EnrichedClick click)
    {
        var values = new object[columns.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = columns[i].ValueOf(click);
        }

        return new DimensionRow(values);
    }
}

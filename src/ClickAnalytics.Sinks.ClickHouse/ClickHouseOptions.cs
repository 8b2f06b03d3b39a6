using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.ClickHouse;

/// <summary>Options of the ClickHouse store, bound from <c>ClickAnalytics:ClickHouse</c> and checked when the host starts.</summary>
public sealed class ClickHouseOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ClickAnalytics:ClickHouse";

    /// <summary>
    /// Connection string of the ClickHouse HTTP interface, for example
    /// <c>Host=clickhouse;Port=8123;Database=analytics;Username=default;Password=…</c>.
    /// The database must exist; the store creates its tables in it.
    /// </summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>Compression of insert requests. Default: gzip, which every server version accepts.</summary>
    public ClickHouseCompression Compression { get; set; } = ClickHouseCompression.GZip;

    /// <summary>
    /// Strips the two JSON serialisation settings that ClickHouse.Driver adds to every request and
    /// that servers older than 24.x reject with "Unknown setting". Turn it on only for such servers
    /// (for example 18.16); current servers need nothing.
    /// </summary>
    public bool LegacyServerCompatibility { get; set; }

    /// <summary>Timeout of one request to the server.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Cluster name for <c>ON CLUSTER</c> DDL; null on a single server.</summary>
    public string? Cluster { get; set; }

    /// <summary>Use Replicated*MergeTree engines (needs ZooKeeper or ClickHouse Keeper and <see cref="Cluster"/>).</summary>
    public bool Replicated { get; set; }

    /// <summary>ZooKeeper path of replicated tables; <c>{table}</c> is replaced by the table name, the other macros by the server.</summary>
    public string ReplicationPath { get; set; } = "/clickhouse/tables/{shard}/{database}/{table}";

    /// <summary>Replica name of replicated tables (a server macro by default).</summary>
    public string ReplicaName { get; set; } = "{replica}";

    /// <summary>
    /// Keep the data in <c>*_local</c> tables on every shard and put Distributed tables with the
    /// usual names in front of them (needs <see cref="Cluster"/>).
    /// </summary>
    public bool Distributed { get; set; }

    /// <summary>The rules that span several options; the generated validator runs them after the attributes.</summary>
    /// <param name="validationContext">The context of the validation.</param>
    /// <returns>What is wrong, if anything.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RequestTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{SectionName}:RequestTimeout must be positive.", [nameof(RequestTimeout)]);
        }

        if (Cluster is null && (Replicated || Distributed))
        {
            yield return new ValidationResult($"{SectionName}:Cluster is required for Replicated or Distributed tables.", [nameof(Cluster)]);
        }
    }
}

/// <summary>Checks <see cref="ClickHouseOptions"/> when the host starts (generated from its attributes and <see cref="ClickHouseOptions.Validate"/>).</summary>
[OptionsValidator]
internal sealed partial class ClickHouseOptionsValidator : IValidateOptions<ClickHouseOptions>;

/// <summary>How insert requests are compressed.</summary>
public enum ClickHouseCompression
{
    /// <summary>No compression (fastest on loopback).</summary>
    None,

    /// <summary>gzip (every server version).</summary>
    GZip,

    /// <summary>Brotli (servers 19.x and later).</summary>
    Brotli,
}

package schema

import (
	"strings"
	"time"
)

// The job-type catalog: every Console 1.x job type of console-api.md 3.2,
// with the parameter sets of 3.3 and 3.4. Only declare_application,
// add_version, clone_version and analyze have known parameter sets; for
// the others the sources give nothing beyond the name (console-api.md
// section 8, question 6), so they list appGuid, plus versionGuid or
// snapshotGuid where the job works on one, and accept any other
// parameter without a warning.
var catalog = []*JobType{
	{
		Name:        "declare_application",
		Summary:     "create an application",
		Outputs:     []string{"appGuid"},
		ParamsKnown: true,
		Params: []ParamSpec{
			required("appName", TypeString, "name of the new application"),
			withDefault("inPlaceMode", TypeBoolean, constant("false"),
				"true for an application without version history"),
			optional("nodeGuid", TypeGUID, "node that hosts the application"),
			optional("domainName", TypeString, "domain, created when missing"),
		},
	},
	{
		Name:           "add_version",
		Summary:        "add a version: deliver, analyze and snapshot, from startStep to endStep",
		Outputs:        []string{"versionGuid", "versionName"},
		CreatesVersion: true,
		ParamsKnown:    true,
		Params:         deliveryParams(),
	},
	{
		Name:           "clone_version",
		Summary:        "like add_version, copying the configuration of the previous version",
		Outputs:        []string{"versionGuid", "versionName"},
		CreatesVersion: true,
		ParamsKnown:    true,
		Params:         deliveryParams(),
	},
	{
		Name:        "analyze",
		Summary:     "analyze a version, and snapshot it when endStep reaches snapshot",
		Outputs:     []string{"versionGuid", "snapshotName"},
		ParamsKnown: true,
		Params:      analyzeParams(),
	},
	unknownParams("reject_version", "reject a version", versionGUID),
	unknownParams("delete_version", "delete a version", versionGUID),
	unknownParams("purge_version", "purge a version", versionGUID),
	unknownParams("delete_snapshot", "delete a snapshot",
		optional("snapshotGuid", TypeGUID, "snapshot to delete")),
	unknownParams("upload_application", "upload the application to the measurement service"),
	unknownParams("upload_snapshots", "upload snapshots"),
	unknownParams("consolidate_snapshot", "consolidate a snapshot"),
	unknownParams("delete_application", "delete an application"),
	unknownParams("function_points", "compute function points"),
	unknownParams("deliver_version", "create and deliver a version"),
	backupJob(),
	unknownParams("backup_measurement", "back up the measurement database"),
	unknownParams("RESTORE", "restore an application backup"),
	unknownParams("SHERLOCK_BACKUP", "make a Sherlock (support) backup"),
	versionJob("upload_deliver_version", "extract an uploaded archive, then deliver a version"),
	versionJob("upload_snapshot_version",
		"extract an uploaded archive, create the version, analyze and snapshot"),
	versionJob("rescan_application", "clone the previous version, analyze and snapshot"),
	unknownParams("edit_version", "edit a version"),
	unknownParams("sync_application", "resynchronise an application"),
	unknownParams("dataflow_security_analyze", "run the security dataflow analyzer"),
}

var versionGUID = required("versionGuid", TypeGUID, "version the job works on")

// unknownParams returns a job type whose parameter set is not documented:
// appGuid plus the given parameters.
func unknownParams(name, summary string, params ...ParamSpec) *JobType {
	appGUID := required("appGuid", TypeGUID, "application GUID")
	return &JobType{
		Name:    name,
		Summary: summary,
		Params:  append([]ParamSpec{appGUID}, params...),
	}
}

// versionJob returns a version-creating job type whose parameter set is
// not documented. It lists versionName with the usual default because
// the runner finds the new version by that name once the job has ended
// [inferred: the Console documents no parameters for these types].
func versionJob(name, summary string) *JobType {
	j := unknownParams(name, summary, withDefault("versionName", TypeString,
		stamp("v", "060102.150405"), "name of the new version"))
	j.Outputs = []string{"versionGuid", "versionName"}
	j.CreatesVersion = true
	return j
}

// backupJob returns BACKUP. It lists backupName with the official
// client's default so that the step can output the name [inferred: the
// Console documents no parameters for BACKUP].
func backupJob() *JobType {
	j := unknownParams("BACKUP", "back up the application", withDefault("backupName",
		TypeString, stamp("backup_", "060102.150405"), "name of the backup"))
	j.Outputs = []string{"backupName"}
	return j
}

// deliveryParams returns the parameters of add_version and clone_version
// (console-api.md 3.3 and 3.4.2). The default start step is unzip_source;
// a Console from 1.13 to 1.18 wants code_scanner, which a step sets
// itself.
func deliveryParams() []ParamSpec {
	return []ParamSpec{
		required("appGuid", TypeGUID, "application GUID"),
		required("sourcePath", TypeString, "upload:<app>/<file> or sources:<folder>"),
		withDefault("versionName", TypeString, stamp("v", "060102.150405"),
			"name of the new version; default v<yyMMdd.HHmmss>"),
		withDefault("sourceArchive", TypeString, copyOf("sourcePath"),
			"same as sourcePath, for Console 1.12"),
		withDefault("startStep", TypeStep, constant("unzip_source"), "first job step"),
		withDefault("endStep", TypeStep, constant("consolidate_snapshot"), "last job step"),
		withDefault("ignoreFileStructureCheck", TypeBoolean, constant("true"),
			"skip the check of the source folder layout"),
		withDefault("objectives", TypeList, constant("GLOBAL_RISK,FUNCTIONAL_POINTS"),
			"comma-separated objectives, without spaces"),
		withDefault("releaseDate", TypeDate, stamp("", releaseDateLayout), "release date"),
		withDefault("snapshotCaptureDate", TypeDate, captureDate, "snapshot date"),
		withDefault("extensionAutoConfigEnabled", TypeBoolean, constant("true"),
			"install the extensions the sources need"),
		withDefault("processImaging", TypeBoolean, constant("false"),
			"publish to CAST Imaging"),
		optional("snapshotName", TypeString, "name of the snapshot"),
		optional("deliveryConfigGuid", TypeGUID, "delivery configuration (exclusions)"),
		withDefault("uploadApplication", TypeBoolean, when("processImaging", "true",
			constant("true")), "upload the snapshot; true when processImaging is true"),
		optional("backupApplication", TypeBoolean, "back up the application first"),
		withDefault("backupName", TypeString, when("backupApplication", "true",
			stamp("backup_", "060102.150405")), "name of the backup"),
		optional("moduleGenerationType", TypeString, "one_per_au or one_per_techno"),
		optional("nodeGuid", TypeGUID, "node that runs the job"),
	}
}

// analyzeParams returns the parameters of analyze (console-api.md 3.4.3).
// versionName has no default: it names an existing version, which the
// official client reads from the Console.
func analyzeParams() []ParamSpec {
	return []ParamSpec{
		required("appGuid", TypeGUID, "application GUID"),
		required("versionGuid", TypeGUID, "version to analyze"),
		optional("versionName", TypeString, "name of the version"),
		withDefault("startStep", TypeStep, constant("analyze"), "first job step"),
		withDefault("endStep", TypeStep, constant("consolidate_snapshot"), "last job step"),
		withDefault("snapshotName", TypeString, snapshotName,
			"name of the snapshot taken when endStep reaches snapshot"),
		withDefault("processImaging", TypeBoolean, constant("false"),
			"publish to CAST Imaging"),
		withDefault("uploadApplication", TypeBoolean, when("processImaging", "true",
			constant("true")), "upload the snapshot; true when processImaging is true"),
		withDefault("ignoreFileStructureCheck", TypeBoolean, constant("true"),
			"skip the check of the source folder layout"),
		withDefault("objectives", TypeList, constant("GLOBAL_RISK,FUNCTIONAL_POINTS"),
			"comma-separated objectives, without spaces"),
		withDefault("releaseDate", TypeDate, stamp("", releaseDateLayout), "release date"),
		withDefault("snapshotCaptureDate", TypeDate, captureDate, "snapshot date"),
		withDefault("extensionAutoConfigEnabled", TypeBoolean, constant("true"),
			"install the extensions the sources need"),
		optional("moduleGenerationType", TypeString, "one_per_au or one_per_techno"),
	}
}

func required(name, typ, summary string) ParamSpec {
	return ParamSpec{Name: name, Required: true, Type: typ, Summary: summary}
}

func optional(name, typ, summary string) ParamSpec {
	return ParamSpec{Name: name, Type: typ, Summary: summary}
}

func withDefault(name, typ string, d defaultFunc, summary string) ParamSpec {
	return ParamSpec{Name: name, Type: typ, Default: d, Summary: summary}
}

type defaultFunc = func(now time.Time, with map[string]string) string

// releaseDateLayout is the official client's date format: local wall
// clock with a literal Z (console-api.md 3.5.2). A lone Z in a Go layout
// is literal text.
const releaseDateLayout = "2006-01-02T15:04:05.000Z"

func constant(v string) defaultFunc {
	return func(time.Time, map[string]string) string { return v }
}

// stamp returns prefix followed by the request time in layout.
func stamp(prefix, layout string) defaultFunc {
	return func(now time.Time, _ map[string]string) string {
		return prefix + now.Format(layout)
	}
}

func copyOf(name string) defaultFunc {
	return func(_ time.Time, with map[string]string) string { return with[name] }
}

// when returns d's value when parameter name has the given value, and
// nothing otherwise.
func when(name, value string, d defaultFunc) defaultFunc {
	return func(now time.Time, with map[string]string) string {
		if with[name] != value {
			return ""
		}
		return d(now, with)
	}
}

// captureDate is the release date, or now when there is none.
func captureDate(now time.Time, with map[string]string) string {
	if d := with["releaseDate"]; d != "" {
		return d
	}
	return now.Format(releaseDateLayout)
}

// snapshotName is Snapshot-<date> when the job's end step takes a
// snapshot, as the analyze and snapshot commands of the official client
// name it.
func snapshotName(now time.Time, with map[string]string) string {
	if !snapshotSteps[strings.ToLower(with["endStep"])] {
		return ""
	}
	return "Snapshot-" + now.Format("2006-01-02T15:04:05.000")
}

// snapshotSteps are the end steps at or after snapshot in the analysis
// pipeline (console-api.md 4.3). process_imaging is left out: Console 1.x
// runs it before snapshot.
var snapshotSteps = map[string]bool{
	"snapshot":             true,
	"validate_snapshot":    true,
	"snapshot_indicator":   true,
	"consolidate_snapshot": true,
	"upload_application":   true,
}

// jobSteps are the job step names of console-api.md 4.3, for the
// parameters of type "step".
var jobSteps = []string{
	// analysis
	"accept", "setcurrent", "update_extensions", "analyze", "run_analyze_units",
	"prepare_analysis_data", "process_imaging", "snapshot", "validate_snapshot",
	"consolidate_snapshot", "analysis_report",
	// application management
	"backup", "backup_measurement", "restore", "upgrade_application", "css_optimize",
	"css_optimize_measurement", "sherlock_backup", "dataflow_security_analyze",
	"rename_application",
	// declare application
	"create_delivery_folder", "create_triplet_schema", "create_local_db",
	"create_central_db", "create_mngt_db", "create_combined_db", "import_preferences",
	"manage_application", "import_assessment_model", "update_assessment_model",
	"restore_triplet",
	// delete application
	"application_cleanup_measure", "unmanage_application", "delete_triplet_schema",
	"cleanup_database", "remove_application_data", "deregister_application",
	// delivery
	"unzip_source", "code_scanner", "install_extensions", "create_package", "add_version",
	"attach_package_to_version", "copy_from_version", "prepare_version",
	"copy_and_attach_packages", "update_package", "deliver_version", "add_package",
	// snapshot
	"delete_snapshot", "delete_snapshots", "cleanup_snapshots", "upload_application",
	"snapshot_indicator", "rename_snapshot",
	// version
	"delete_version", "purge_version", "reject_version", "cleanup_versions",
	"function_points", "recompute_checksums", "recompute_snapshot_indicators",
	// sync and reference finder
	"reload_application", "reference_finder",
}

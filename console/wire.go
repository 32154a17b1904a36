package console

// Wire types of the Console 1.x REST API. The simulator serves the same
// shapes, so both sides of every test speak through these definitions.
// Field names follow the JSON the Console sends; unknown fields are ignored
// when decoding, as the official client does.

// Job states as the Console writes them, lower-case on the wire.
const (
	StateStarting  = "starting"
	StateStarted   = "started"
	StateCanceling = "canceling"
	StateCanceled  = "canceled"
	StateCompleted = "completed"
	StateFailed    = "failed"
	StateStopped   = "stopped"
)

// APIInfo is the body of GET /api/.
type APIInfo struct {
	APIVersion               string              `json:"apiVersion"`
	CastVersion              string              `json:"castVersion,omitempty"`
	DependencyMatrix         map[string][]string `json:"dependencyMatrix"`
	DashboardIntegrated      bool                `json:"dashboardIntegrated"`
	EnableSnapshotValidation bool                `json:"enableSnapshotValidation"`
	EnableDownloadDmt        bool                `json:"enableDownloadDmt"`
	EnablePackagePathCheck   bool                `json:"enablePackagePathCheck"`
	ImagingFlat              bool                `json:"imagingFlat"`
	ACStudioAudience         bool                `json:"acStudioAudienceCastsoftware"`
}

// JobRequest is the body of POST /api/jobs. Every parameter value is a
// string, as the official client sends them.
type JobRequest struct {
	JobType       string            `json:"jobType"`
	JobParameters map[string]string `json:"jobParameters"`
}

// JobStart is the answer to POST /api/jobs.
type JobStart struct {
	AppGUID string `json:"appGuid,omitempty"`
	JobGUID string `json:"jobGuid"`
	JobURL  string `json:"jobUrl,omitempty"`
}

// JobStateChange is the body of PUT /api/jobs/{guid}.
type JobStateChange struct {
	State string `json:"state"`
}

// JobStatus is the body of GET /api/jobs/{guid}.
type JobStatus struct {
	GUID          string            `json:"guid"`
	URL           string            `json:"url,omitempty"`
	JobType       string            `json:"jobType"`
	JobParameters map[string]string `json:"jobParameters,omitempty"`
	AppGUID       string            `json:"appGuid,omitempty"`
	AppName       string            `json:"appName,omitempty"`
	State         string            `json:"state"`
	ProgressStep  string            `json:"progressStep,omitempty"`
	FailureStep   string            `json:"failureStep,omitempty"`
	FullSteps     []FullStep        `json:"fullSteps,omitempty"`
	LogURLs       map[string]string `json:"logUrls,omitempty"`
	Created       string            `json:"created,omitempty"`
	Updated       string            `json:"updated,omitempty"`
}

// FullStep is one entry of a job's fullSteps list (Console 1.20 and later).
// Duration is in milliseconds.
type FullStep struct {
	Step     string `json:"step"`
	Duration int64  `json:"duration"`
}

// Application is one entry of GET /api/applications.
type Application struct {
	GUID        string `json:"guid"`
	Name        string `json:"name"`
	State       string `json:"state,omitempty"`
	InPlaceMode bool   `json:"inPlaceMode"`
}

// ApplicationList is the wrapper object GET /api/applications returns.
type ApplicationList struct {
	Applications []Application `json:"applications"`
}

// Version is one entry of GET /api/applications/{guid}/versions.
// VersionDate has the exact form 2006-01-02T15:04:05.000Z in UTC.
type Version struct {
	GUID                 string `json:"guid"`
	Name                 string `json:"name"`
	Title                string `json:"title"`
	Status               string `json:"status"`
	VersionDate          string `json:"versionDate"`
	CurrentVersion       bool   `json:"currentVersion"`
	ConfigurationChanged bool   `json:"configurationChanged"`
	PreviousVersion      string `json:"previousVersion,omitempty"`
}

// Node is one entry of GET /api/nodes.
type Node struct {
	GUID                 string `json:"guid"`
	Name                 string `json:"name"`
	Scheme               string `json:"scheme"`
	Host                 string `json:"host"`
	Port                 int    `json:"port"`
	Accessible           bool   `json:"accessible"`
	NumberOfApplications int    `json:"numberOfApplications"`
}

// DateLayout is the Console's date format for versionDate and job times.
const DateLayout = "2006-01-02T15:04:05.000Z"

// Version statuses in the Console's order; clients compare positions.
var VersionStatuses = []string{
	"opened", "purged", "delivering", "delivered", "accepted", "analysing",
	"analysis_ongoing", "analysis_done", "analysis_failed",
	"preparing_analysis_data", "analysis_data_prepared", "processing_imaging",
	"imaging_processed", "snapshot_ongoing", "snapshot_taken", "snapshot_done",
	"validated",
}

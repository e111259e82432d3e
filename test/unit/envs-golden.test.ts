/**
 * The built-in envs against trajectories recorded from Gymnasium 1.3.0 (NumPy 2.4) itself:
 * `env = gym.make(id).unwrapped; env.reset(seed=0); env.state = np.array(start); env.step(a)...`,
 * recording `env.state` (float64), the float32 observation, the reward and `terminated`.
 * Float32 observations and rewards agree to ~1e-6 relative. Float64 states agree to ~1e-8: NumPy 2
 * (NEP 50) evaluates a few terms that involve the float32 action in float32 (Pendulum's `3 / (m l^2)
 * * u`, MountainCarContinuous' `force * power`), where we, like NumPy 1, use float64. The
 * MountainCarContinuous state is itself float32 in Gymnasium, so it is compared at float32 precision.
 */
import { describe, expect, it } from 'vitest';
import { makeVectorEnv } from '../../src/envs';

interface RecordedStep {
  state: number[];
  obs: number[];
  reward: number;
  terminated: boolean;
}
interface RecordedScenario {
  state: number[];
  actions: (number | number[])[];
  steps: RecordedStep[];
}

// prettier-ignore
const GYMNASIUM_1_3_0: Record<string, RecordedScenario[]> = {
  'CartPole-v1': [
    { state: [0.01, -0.02, 0.03, 0.04], actions: [1, 0, 1, 1], steps: [
      { state: [0.009600000000000001, 0.17467919574755525, 0.030799999999999998, -0.2430687179600081], obs: [0.009600000455975533, 0.17467918992042542, 0.030799999833106995, -0.24306872487068176], reward: 1.0, terminated: false },
      { state: [0.013093583914951107, -0.020868848948191993, 0.025938625640799837, 0.0591679999394166], obs: [0.013093584217131138, -0.020868849009275436, 0.025938626378774643, 0.059167999774217606], reward: 1.0, terminated: false },
      { state: [0.012676206935987267, 0.1738717748734813, 0.02712198563958817, -0.22521957255967326], obs: [0.012676207348704338, 0.17387177050113678, 0.02712198533117771, -0.22521957755088806], reward: 1.0, terminated: false },
      { state: [0.016153642433456895, 0.36859581150093934, 0.022617594188394704, -0.509225318312219], obs: [0.016153642907738686, 0.36859580874443054, 0.02261759340763092, -0.5092253088951111], reward: 1.0, terminated: false },
    ] },
    { state: [0.0, 0.0, 0.2, 1.0], actions: [1], steps: [
      { state: [0.0, 0.1919689517863068, 0.22, 0.776195252810284], obs: [0.0, 0.19196894764900208, 0.2199999988079071, 0.776195228099823], reward: 1.0, terminated: true },
    ] },
    { state: [2.39, 1.0, 0.0, 0.0], actions: [0], steps: [
      { state: [2.41, 0.8048780487804879, 0.0, 0.2926829268292683], obs: [2.4100000858306885, 0.8048780560493469, 0.0, 0.2926829159259796], reward: 1.0, terminated: true },
    ] },
  ],
  'Acrobot-v1': [
    { state: [0.1, -0.2, 0.3, -0.4], actions: [0, 1, 2, 2], steps: [
      { state: [0.1544280535176176, -0.2796784625217692, 0.23102745634235644, -0.37533176739803126], obs: [0.9880996942520142, 0.15381498634815216, 0.9611442685127258, -0.27604663372039795, 0.23102745413780212, -0.3753317594528198], reward: -1.0, terminated: false },
      { state: [0.17476130637958853, -0.3086331379543368, -0.03209535091066923, 0.09251117624787841], obs: [0.9847680926322937, 0.17387308180332184, 0.9527496695518494, -0.3037566542625427, -0.032095350325107574, 0.09251117706298828], reward: -1.0, terminated: false },
      { state: [0.1291510032834246, -0.2102311031930728, -0.41244295495431427, 0.8695974722035973], obs: [0.991671621799469, 0.12879225611686707, 0.9779826998710632, -0.20868591964244843, -0.4124429523944855, 0.8695974946022034], reward: -1.0, terminated: false },
      { state: [0.018256098836855597, 0.023091064663344513, -0.6663662082291882, 1.4054886349018165], obs: [0.999833345413208, 0.0182550847530365, 0.9997333884239197, 0.023089012131094933, -0.6663662195205688, 1.4054886102676392], reward: -1.0, terminated: false },
    ] },
    { state: [3.0, 0.0, 0.0, 0.0], actions: [1], steps: [
      { state: [2.982057837208604, 0.01400267051831374, -0.18343726539567606, 0.14511760679397961], obs: [-0.9873012900352478, 0.15885894000530243, 0.9999019503593445, 0.014002213254570961, -0.1834372580051422, 0.1451176106929779], reward: 0.0, terminated: true },
    ] },
    { state: [3.1, 0.2, 12.0, 28.0], actions: [2], steps: [
      { state: [2.2738809824189854, 1.9158907221550747, 12.566370614359172, 28.274333882308138], obs: [-0.6465739011764526, 0.762851357460022, -0.33828550577163696, 0.941043496131897, 12.566370964050293, 28.274333953857422], reward: 0.0, terminated: true },
    ] },
  ],
  'MountainCar-v0': [
    { state: [-0.5, 0.0], actions: [2, 2, 0, 1], steps: [
      { state: [-0.49917684300416926, 0.0008231569958307428], obs: [-0.49917683005332947, 0.0008231570245698094], reward: -1.0, terminated: false },
      { state: [-0.49753668667935325, 0.0016401563248160246], obs: [-0.49753668904304504, 0.001640156377106905], reward: -1.0, terminated: false },
      { state: [-0.4970917969323474, 0.00044488974700586273], obs: [-0.49709179997444153, 0.00044488973799161613], reward: -1.0, terminated: false },
      { state: [-0.49684550006784745, 0.0002462968644999427], obs: [-0.4968455135822296, 0.0002462968695908785], reward: -1.0, terminated: false },
    ] },
    { state: [0.49, 0.02], actions: [2], steps: [
      { state: [0.5107484356665326, 0.020748435666532672], obs: [0.5107484459877014, 0.020748436450958252], reward: -1.0, terminated: true },
    ] },
    { state: [-1.19, -0.02], actions: [0], steps: [
      { state: [-1.2, 0.0], obs: [-1.2000000476837158, 0.0], reward: -1.0, terminated: false },
    ] },
  ],
  'MountainCarContinuous-v0': [
    { state: [-0.5, 0.0], actions: [[0.5], [-1.5], [1.0], [0.25]], steps: [
      { state: [-0.49942684173583984, 0.0005731569835916162], obs: [-0.49942684173583984, 0.0005731569835916162], reward: -0.025, terminated: false },
      { state: [-0.5005348324775696, -0.0011079736286774278], obs: [-0.5005348324775696, -0.0011079736286774278], reward: -0.225, terminated: false },
      { state: [-0.5003156661987305, 0.00021918490529060364], obs: [-0.5003156661987305, 0.00021918490529060364], reward: -0.1, terminated: false },
      { state: [-0.49989596009254456, 0.0004197035450488329], obs: [-0.49989596009254456, 0.0004197035450488329], reward: -0.00625, terminated: false },
    ] },
    { state: [0.44, 0.02], actions: [[1.0]], steps: [
      { state: [0.4608795642852783, 0.020879561081528664], obs: [0.4608795642852783, 0.020879561081528664], reward: 99.9, terminated: true },
    ] },
    { state: [-1.19, -0.02], actions: [[-1.0]], steps: [
      { state: [-1.2000000476837158, 0.0], obs: [-1.2000000476837158, 0.0], reward: -0.1, terminated: false },
    ] },
  ],
  'Pendulum-v1': [
    { state: [1.0, -0.5], actions: [[0.5], [-3.0], [2.0]], steps: [
      { state: [1.010305161930296, 0.2061032386059224], obs: [0.5316022634506226, 0.8469941020011902, 0.20610323548316956], reward: -1.0252500000118743, terminated: false },
      { state: [1.037372602941709, 0.5413488202282563], obs: [0.5084843635559082, 0.8610712289810181, 0.5413488149642944], reward: -1.0289643749093755, terminated: false },
      { state: [1.111730214346106, 1.4871522280879421], obs: [0.4431110918521881, 0.8964667320251465, 1.4871522188186646], reward: -1.109447772040298, terminated: false },
    ] },
    { state: [4.0, 7.9], actions: [[2.0]], steps: [
      { state: [4.381619906425953, 7.632398128519054], obs: [-0.3247705101966858, -0.9457928538322449, 7.6323981285095215], reward: -11.457935147110732, terminated: false },
    ] },
    { state: [-3.5, 0.3], actions: [[-0.7]], steps: [
      { state: [-3.477095628723221, 0.45808742553558646], obs: [-0.9442448019981384, 0.32924413681030273, 0.45808741450309753], reward: -7.755610454106139, terminated: false },
    ] },
  ],};

const cases = Object.entries(GYMNASIUM_1_3_0).flatMap(([id, scenarios]) =>
  scenarios.map((scenario, k) => ({ id, k, scenario })),
);

describe.each(cases)('$id scenario $k matches Gymnasium 1.3.0', ({ id, scenario }) => {
  it('gives the recorded states, observations, rewards and terminations', () => {
    const env = makeVectorEnv(id, { numEnvs: 1, seed: 0 });
    env.reset(0);
    env.setState(0, scenario.state);
    scenario.actions.forEach((a, t) => {
      const recorded = scenario.steps[t]!;
      env.step(typeof a === 'number' ? new Int32Array([a]) : new Float32Array(a));
      expect(env.terminated[0]).toBe(recorded.terminated ? 1 : 0);
      expect(env.truncated[0]).toBe(0);
      expect(Math.abs(env.rewards[0]! - recorded.reward)).toBeLessThanOrEqual(1e-6 * Math.abs(recorded.reward));
      // On termination the env has already reset: the recorded obs is in finalObs.
      const obs = recorded.terminated ? env.finalObs : env.obs;
      recorded.obs.forEach((v, k) => expect(Math.abs(obs[k]! - v)).toBeLessThanOrEqual(1e-6 * Math.abs(v) + 1e-9));
      if (!recorded.terminated) {
        const state = env.getState(0);
        const tolerance = (v: number): number =>
          id === 'MountainCarContinuous-v0' ? 1e-6 * Math.abs(v) : 1e-8 * Math.max(1, Math.abs(v));
        recorded.state.forEach((v, k) => expect(Math.abs(state[k]! - v)).toBeLessThanOrEqual(tolerance(v)));
      }
    });
  });
});
